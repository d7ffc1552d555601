"""Models: duck-typed checks, naming and declared task.

Any object with a callable ``fit`` (unless it is measured pre-fitted) and
the chosen prediction method is a model; ``__sklearn_tags__`` is used when
present, never required.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import CandidateError, ModelError, SpecError

__all__ = [
    "MODEL_FILE_SUFFIXES",
    "PRESETS",
    "Candidate",
    "check_fitted",
    "check_model",
    "declared_task",
    "load_candidates_file",
    "load_model_file",
    "make_preset",
    "model_label",
    "name_candidates",
    "parse_candidate",
    "qualified_name",
]

PREDICT_METHODS = ("predict", "predict_proba")

ENCODING_NOTE = "features encoded on the training rows: "
"""The prefix of a result's note saying how a preset's front encoded each column."""


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
            "To measure a model that is already fitted, pass fit=False (on the command line, "
            "name its fitted .joblib file instead)."
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


# --------------------------------------------------------------------------- presets and specs
# Everything below turns the text a user types on the command line into
# estimators. scikit-learn is imported inside the functions, so importing
# this module stays cheap.


def _logreg(task: str) -> Any:
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if task == "regression":
        return make_pipeline(StandardScaler(), Ridge(random_state=0))
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=0))


def _ridge(task: str) -> Any:
    from sklearn.linear_model import Ridge, RidgeClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if task == "regression":
        return make_pipeline(StandardScaler(), Ridge(random_state=0))
    return make_pipeline(StandardScaler(), RidgeClassifier(random_state=0))


def _forest(task: str) -> Any:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    cls = RandomForestRegressor if task == "regression" else RandomForestClassifier
    return cls(n_estimators=50, min_samples_leaf=2, random_state=0)


def _hgb(task: str) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    cls = HistGradientBoostingRegressor if task == "regression" else HistGradientBoostingClassifier
    return cls(max_iter=100, random_state=0)


def _knn(task: str) -> Any:
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # Scaled: neighbours by raw distance let the widest-ranged feature decide.
    knn = KNeighborsRegressor() if task == "regression" else KNeighborsClassifier()
    return make_pipeline(StandardScaler(), knn)


def _ensemble(task: str) -> Any:
    from sklearn.ensemble import VotingClassifier, VotingRegressor

    # The seed's trade-off with a p99 that can be measured in seconds: about
    # a point of accuracy over logreg on digits at several times its one-row
    # latency (~4 ms). Gradient boosting's one-row predict (7-20 ms on
    # digits) would leave the default run's p99 under-sampled.
    members = [("logreg", _logreg(task)), ("forest", _forest(task))]
    if task == "regression":
        return VotingRegressor(members)
    return VotingClassifier(members, voting="soft")


def _stacking(task: str) -> Any:
    from sklearn.ensemble import StackingClassifier, StackingRegressor

    members = [("forest", _forest(task)), ("hgb", _hgb(task))]
    if task == "regression":
        return StackingRegressor(members, final_estimator=_logreg(task), cv=3)
    return StackingClassifier(members, final_estimator=_logreg(task), cv=3)


PRESETS: dict[str, tuple[str, Any]] = {
    "logreg": (
        "StandardScaler + LogisticRegression(max_iter=1000); regression: StandardScaler + "
        "Ridge, the same model as ridge (kept for runs that name it logreg)",
        _logreg,
    ),
    "ridge": (
        "StandardScaler + Ridge, the regression preset of a linear model; classification: "
        "StandardScaler + RidgeClassifier",
        _ridge,
    ),
    "forest": ("RandomForest of 50 trees, min_samples_leaf=2 (classifier or regressor)", _forest),
    "hgb": ("HistGradientBoosting, 100 boosting iterations (classifier or regressor)", _hgb),
    "knn": ("StandardScaler + KNeighbors, 5 neighbours (scaled features)", _knn),
    "ensemble": (
        "soft VotingClassifier of logreg + forest; regression: VotingRegressor of Ridge + forest",
        _ensemble,
    ),
    "stacking": (
        "StackingClassifier of forest + hgb with logreg on top (cv=3); regression: "
        "StackingRegressor with Ridge on top",
        _stacking,
    ),
}
"""Preset name -> (description, factory taking the task). All seeded with ``random_state=0``."""

MODEL_FILE_SUFFIXES: tuple[str, ...] = (".joblib", ".pkl", ".pickle")

_SPEC_FORMS = (
    "Write a preset name (" + ", ".join(PRESETS) + "), module:Class or "
    "module:Class(key=value, ...) such as "
    "'sklearn.ensemble:RandomForestClassifier(n_estimators=200)', or the path of a fitted "
    "model file ending in " + "/".join(MODEL_FILE_SUFFIXES) + "; prefix name= to name it."
)


def _check_task(task: str) -> None:
    if task not in ("classification", "regression"):
        raise SpecError(f"task must be 'classification' or 'regression', not {task!r}.")


# How each preset meets a table (make_preset(tabular=True)): whether its front
# scales the numeric columns (the preset's own StandardScaler is then left
# out), whether missing values go to the model (trees handle them), whether
# text columns use HistGradientBoosting's native categorical support.
_TABULAR: dict[str, tuple[bool, bool, bool]] = {
    # name: (scale, allow_missing, native_categorical)
    "logreg": (True, False, False),
    "ridge": (True, False, False),
    "forest": (False, True, False),
    "hgb": (False, True, True),
    "knn": (True, False, False),
    "ensemble": (False, False, False),
    "stacking": (False, True, False),
}


def encoding_note(model: Any) -> str | None:
    """How a fitted preset's front encoded the columns, as a result note; None without one.

    Parameters
    ----------
    model : estimator
        A fitted model; only a pipeline whose ``front`` step is a fitted
        :class:`~prodbench.tabular.TabularFront` has a note.

    Returns
    -------
    str or None

    Examples
    --------
    >>> import pandas as pd
    >>> m = make_preset("logreg", tabular=True)
    >>> _ = m.fit(pd.DataFrame({"c": ["a", "b"] * 5, "n": range(10)}), [0, 1] * 5)
    >>> encoding_note(m)
    'features encoded on the training rows: c one-hot (2 values); n numeric, scaled'
    """
    steps = getattr(model, "named_steps", None)
    front = steps.get("front") if isinstance(steps, Mapping) else None
    describe = getattr(front, "describe", None)
    if front is None or not callable(describe) or not hasattr(front, "encoding_"):
        return None
    return ENCODING_NOTE + str(describe())


def _tabular_preset(name: str, task: str) -> Any:
    """The preset behind :class:`~prodbench.tabular.TabularFront`, in one pipeline."""
    from sklearn.pipeline import Pipeline

    from .tabular import TabularFront

    scale, allow_missing, native = _TABULAR[name]
    model = PRESETS[name][1](task)
    if scale:  # the front scales the numeric columns; one-hot columns stay 0/1
        model = model.steps[-1][1]
    front = TabularFront(
        scale=scale, native_categorical=native, allow_missing=allow_missing, model_name=name
    )
    return Pipeline([("front", front), ("model", model)])


def make_preset(name: str, task: str = "classification", *, tabular: bool = False) -> Any:
    """A new, unfitted estimator for a preset name.

    Parameters
    ----------
    name : str
        One of :data:`PRESETS`: ``logreg``, ``ridge``, ``forest``, ``hgb``,
        ``knn``, ``ensemble``, ``stacking``.
    task : {"classification", "regression"}
        Chooses the classifier or its regressor counterpart.
    tabular : bool, default False
        For a table with text, categorical or boolean columns or missing
        values: the preset behind a :class:`~prodbench.tabular.TabularFront`
        (one-hot for text columns with at most 20 distinct training values,
        ordinal beyond; numeric columns scaled where the preset scales;
        HistGradientBoosting's native categorical support for ``hgb``),
        fitted on the training rows only, as the first step of a pipeline.

    Returns
    -------
    estimator
        A scikit-learn estimator seeded with ``random_state=0`` where it has one.

    Raises
    ------
    SpecError
        For an unknown preset name or task.

    Examples
    --------
    >>> type(make_preset("forest")).__name__
    'RandomForestClassifier'
    >>> type(make_preset("ensemble", "regression")).__name__
    'VotingRegressor'
    >>> [step for step, _ in make_preset("logreg", tabular=True).steps]
    ['front', 'model']
    """
    _check_task(task)
    if name not in PRESETS:
        import difflib

        close = difflib.get_close_matches(name, list(PRESETS), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise SpecError(
            f"Unknown preset {name!r}.{hint} Presets: {', '.join(PRESETS)}. {_SPEC_FORMS}"
        )
    if tabular:
        return _tabular_preset(name, task)
    return PRESETS[name][1](task)


@dataclass
class Candidate:
    """A candidate parsed from text: its name, the estimator and where it came from.

    Attributes
    ----------
    name : str
        The candidate's name in results.
    estimator : object
        The model.
    fitted : bool
        True for a model loaded from a file: it is measured without refitting.
    source : str
        The text it was parsed from.
    """

    name: str
    estimator: Any
    fitted: bool
    source: str


_NAME_PREFIX = re.compile(r"^([A-Za-z_][A-Za-z0-9_.\-]*)=(.+)$", re.DOTALL)


def split_name(text: str) -> tuple[str | None, str]:
    """``"lone=logreg"`` -> ``("lone", "logreg")``; ``"m:C(a=1)"`` is left whole."""
    match = _NAME_PREFIX.match(text)
    if match is None:
        return None, text
    return match.group(1), match.group(2)


def parse_candidate(text: str, task: str = "classification", *, tabular: bool = False) -> Candidate:
    """Turn one command-line candidate into a :class:`Candidate`.

    Accepted forms:

    * a preset name from :data:`PRESETS` (``logreg``, ``ensemble``, ...);
    * ``module:Class`` or ``module:Class(key=value, ...)``; each value is read
      with :func:`ast.literal_eval` (Python literals only, never ``eval``) and
      positional arguments are refused. The module is imported (its top-level
      code runs, as with any import), then the class is checked *before* it is
      created: it must define ``predict`` or ``predict_proba`` and either
      ``fit`` or derive from ``sklearn.base.BaseEstimator``, so that no other
      class (``subprocess:Popen``, ``io:FileIO``, ...) is ever constructed;
    * the path of a fitted model file (``.joblib``, ``.pkl``, ``.pickle``),
      loaded with :func:`joblib.load` and measured without refitting. Loading
      a pickle runs code from that file: load only files you trust;
    * any of the above prefixed with ``name=`` to name the candidate.

    Parameters
    ----------
    text : str
        The specification.
    task : {"classification", "regression"}
        Chooses the classifier or regressor for presets.
    tabular : bool, default False
        Presets get the preprocessing front of :func:`make_preset` (for a
        table with text columns or missing values).

    Returns
    -------
    Candidate

    Raises
    ------
    SpecError
        Unknown preset, a module that does not import, a missing attribute,
        something that is not a class, bad constructor arguments, a missing file.
    ModelError
        The class is not an estimator (refused before it is created), the
        object is not a model (no ``predict``) or a file cannot be unpickled.

    Examples
    --------
    >>> c = parse_candidate("lone=logreg")
    >>> c.name, c.fitted
    ('lone', False)
    >>> c = parse_candidate("sklearn.ensemble:RandomForestClassifier(n_estimators=20)")
    >>> c.name, c.estimator.n_estimators
    ('RandomForestClassifier', 20)
    """
    _check_task(task)
    if not isinstance(text, str) or not text.strip():
        raise SpecError(f"An empty candidate was given. {_SPEC_FORMS}")
    name, spec = split_name(text.strip())
    spec = spec.strip()
    if (
        name is None
        and "=" in spec
        and ":" not in spec.partition("=")[0]
        and not spec.lower().endswith(MODEL_FILE_SUFFIXES)
        and not os.path.exists(spec)
    ):
        label = spec.partition("=")[0]
        raise SpecError(
            f"Cannot read the candidate {_short_repr(text, 80)}: the name before '=' "
            f"({_short_repr(label, 40)}) must start with a letter or '_' and hold only letters, "
            "digits, '_', '.' and '-' (no spaces), e.g. fast=logreg."
        )
    if spec.lower().endswith(MODEL_FILE_SUFFIXES):
        estimator = load_model_file(spec)
        default = os.path.splitext(os.path.basename(spec))[0]
        return Candidate(name or default, estimator, True, text)
    if spec in PRESETS:
        return Candidate(name or spec, make_preset(spec, task, tabular=tabular), False, text)
    if ":" in spec:
        estimator = _from_class_spec(spec)
        return Candidate(name or model_label(estimator), estimator, False, text)
    if os.path.exists(spec):
        raise SpecError(
            f"{spec!r} is a file, but not a model file: prodbench loads fitted models from "
            f"files ending in {'/'.join(MODEL_FILE_SUFFIXES)} (and candidates from a Python "
            "file with --candidates FILE.py)."
        )
    make_preset(spec, task)  # raises the unknown-preset error
    raise AssertionError("unreachable")  # pragma: no cover


MAX_SPEC_CHARS = 2000
"""The longest ``module:Class(...)`` spec read from the command line."""


def _short_repr(value: Any, limit: int = 60) -> str:
    """``repr(value)`` for a message, at most ``limit`` characters (never failing on huge ints)."""
    try:
        text = repr(value)
    except ValueError:  # an int with more digits than Python converts to text
        return "<a very large number>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _parse_spec_expression(spec: str, rest: str, where: str) -> Any:
    """The expression after ``module:`` parsed (never evaluated), or a :class:`SpecError`."""
    import ast

    if len(spec) > MAX_SPEC_CHARS:
        raise SpecError(
            f"The candidate spec {spec[:40]!r}... is {len(spec):,} characters long; a "
            f"module:Class(...) spec on the command line is at most {MAX_SPEC_CHARS:,}. Build "
            "the model in a --candidates FILE.py instead."
        )
    try:
        return ast.parse(rest, mode="eval").body
    except (MemoryError, RecursionError) as exc:
        raise SpecError(
            f"{spec[:40]!r}... is nested too deeply to read as a spec. Write "
            "module:Class(key=value, ...) with plain values, or build the model in a "
            "--candidates FILE.py."
        ) from exc
    except SyntaxError as exc:
        raise SpecError(
            f"Cannot read {_short_repr(rest, 80)} {where}: {exc.msg}. Write module:Class or "
            "module:Class(key=value, ...), e.g. "
            "'sklearn.ensemble:RandomForestClassifier(n_estimators=200)'."
        ) from exc


def _from_class_spec(spec: str) -> Any:
    """``module:Class(key=value)`` -> an instance; see :func:`parse_candidate`."""
    import ast
    import importlib
    import inspect

    module_name, _, rest = spec.partition(":")
    module_name, rest = module_name.strip(), rest.strip()
    where = f"in candidate {_short_repr(spec, 120)}"
    tree = _parse_spec_expression(spec, rest, where)
    call = tree if isinstance(tree, ast.Call) else None
    target = call.func if call is not None else tree
    parts: list[str] = []
    while isinstance(target, ast.Attribute):
        parts.insert(0, target.attr)
        target = target.value
    if not isinstance(target, ast.Name) or not module_name:
        raise SpecError(
            f"Cannot read {spec!r}: expected module:Class or module:Class(key=value, ...), "
            "e.g. 'sklearn.linear_model:Ridge(alpha=0.5)'."
        )
    parts.insert(0, target.id)
    kwargs: dict[str, Any] = {}
    if call is not None:
        if call.args:
            raise SpecError(
                f"Positional arguments are not accepted {where}: name every argument, "
                f"e.g. {parts[-1]}(key=value) with the parameter names of {parts[-1]}."
            )
        for kw in call.keywords:
            if kw.arg is None:
                raise SpecError(f"'**' arguments are not accepted {where}; name each argument.")
            try:
                kwargs[kw.arg] = ast.literal_eval(kw.value)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
                raise SpecError(
                    f"The value of {kw.arg}= {where} is not a Python literal "
                    f"({ast.unparse(kw.value)}). Only numbers, strings, True/False/None, "
                    "lists, tuples and dicts of those are accepted; build other objects in "
                    "a --candidates FILE.py."
                ) from exc
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise SpecError(
            f"Cannot import module {module_name!r} {where}: {exc}. Check the spelling and "
            "that the package is installed in this Python environment."
        ) from exc
    except Exception as exc:
        raise SpecError(
            f"Importing module {module_name!r} {where} raised {type(exc).__name__}: {exc}. "
            "Fix that module, or use a different candidate."
        ) from exc
    for i, part in enumerate(parts):
        try:
            # Inside a class, look attributes up statically: no descriptor or
            # metaclass code runs before the class is known to be an estimator.
            obj = inspect.getattr_static(obj, part) if isinstance(obj, type) else getattr(obj, part)
        except AttributeError as exc:
            import difflib

            owner = ".".join([module_name, *parts[:i]])
            names = [n for n in dir(obj) if not n.startswith("_")]
            close = difflib.get_close_matches(part, names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise SpecError(
                f"Module {owner!r} has no attribute {part!r} {where}.{hint} "
                "Check the class name and the module it lives in."
            ) from exc
    qual = ".".join(parts)
    if not isinstance(obj, type):
        raise SpecError(
            f"{module_name}:{qual} is a {type(obj).__name__}, not a class {where}. "
            "Name an estimator class such as sklearn.linear_model:Ridge."
        )
    _check_estimator_class(obj, f"{module_name}:{qual}", where)
    try:
        estimator = obj(**kwargs)
    except (TypeError, ValueError) as exc:
        raise SpecError(
            f"{qual}({', '.join(f'{k}={_short_repr(v)}' for k, v in kwargs.items())}) could not be "
            f"created {where}: {exc}. Check the argument names and values against "
            f"{qual}'s documentation."
        ) from exc
    if not _has_method(estimator, "predict") and not _has_method(estimator, "predict_proba"):
        raise ModelError(
            f"{module_name}:{qual} is not a model: it has no predict() method {where}. "
            "Name an estimator, e.g. sklearn.linear_model:LogisticRegression."
        )
    return estimator


def _class_defines(cls: type, method: str) -> bool:
    """Whether ``cls`` (or a base class in its MRO) defines ``method``, looked up statically.

    Nothing is called or instantiated: a class attribute that is a function, a
    static/class method or another descriptor (scikit-learn's ``available_if``)
    counts; ``None`` (a method switched off) does not. The metaclass is ignored.
    """
    for klass in cls.__mro__:
        if method in vars(klass):
            attr = vars(klass)[method]
            return attr is not None and (callable(attr) or hasattr(type(attr), "__get__"))
    return False


def _is_sklearn_estimator_class(cls: type) -> bool:
    try:
        from sklearn.base import BaseEstimator
    except ImportError:  # pragma: no cover - scikit-learn is a dependency
        return False
    return issubclass(cls, BaseEstimator)


def _check_estimator_class(cls: type, label: str, where: str) -> None:
    """Refuse, before anything is constructed, a class that is not an estimator.

    An estimator class defines ``predict`` or ``predict_proba`` and either
    defines ``fit`` or derives from ``sklearn.base.BaseEstimator``. Looking at
    the class, never at an instance, keeps a spec such as
    ``subprocess:Popen(args='...', shell=True)`` from running anything.
    """
    predicts = any(_class_defines(cls, m) for m in PREDICT_METHODS)
    fits = _class_defines(cls, "fit") or _is_sklearn_estimator_class(cls)
    if predicts and fits:
        return
    missing = " and no ".join(
        text for text, ok in (("fit()", fits), ("predict()/predict_proba()", predicts)) if not ok
    )
    raise ModelError(
        f"{label} is not a model: the class defines no {missing} {where}, so it was not "
        "created. Name an estimator class, e.g. sklearn.linear_model:LogisticRegression, "
        "or build other objects in a --candidates FILE.py."
    )


def load_model_file(path: str | os.PathLike[str]) -> Any:
    """Load a fitted model from a ``.joblib``/``.pkl``/``.pickle`` file.

    Loading a pickle runs code from the file: load only files you trust.

    Raises
    ------
    SpecError
        The file does not exist.
    ModelError
        The file cannot be unpickled or holds no model (no ``predict``).

    Examples
    --------
    >>> import joblib, tempfile, pathlib
    >>> from sklearn.linear_model import Ridge
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ridge.joblib"
    >>> _ = joblib.dump(Ridge().fit([[0.0], [1.0]], [0.0, 1.0]), p)
    >>> type(load_model_file(p)).__name__
    'Ridge'
    """
    text = os.fspath(path)
    if not os.path.isfile(text):
        raise SpecError(
            f"No model file at {text!r}. Check the path; a fitted model is saved with "
            "joblib.dump(model, 'model.joblib')."
        )
    import joblib

    try:
        model = joblib.load(text)
    except Exception as exc:
        raise ModelError(
            f"Cannot load a model from {text!r}: {type(exc).__name__}: {exc}. Is it a file "
            "written by joblib.dump or pickle.dump, with the same library versions installed?"
        ) from exc
    if not _has_method(model, "predict") and not _has_method(model, "predict_proba"):
        raise ModelError(
            f"{text!r} holds a {type(model).__name__}, not a model (it has no predict() "
            "method). Save the fitted estimator itself with joblib.dump(model, path)."
        )
    return model


def load_candidates_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Run a Python file and return its ``CANDIDATES = {name: estimator}`` dict.

    The file is executed with :func:`runpy.run_path`: it runs code, so use
    only files you trust.

    Raises
    ------
    SpecError
        The file is missing, raises when run, defines no ``CANDIDATES``, or
        ``CANDIDATES`` is not a dict of names to models.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "cands.py"
    >>> _ = p.write_text("from sklearn.linear_model import Ridge\\n"
    ...                  "CANDIDATES = {'ridge': Ridge()}\\n")
    >>> list(load_candidates_file(p))
    ['ridge']
    """
    import runpy

    text = os.fspath(path)
    if not os.path.isfile(text):
        raise SpecError(f"No candidates file at {text!r}. Check the path.")
    try:
        namespace = runpy.run_path(text, run_name="__prodbench_candidates__")
    except SystemExit as exc:
        raise SpecError(f"Running candidates file {text!r} called exit({exc.code}).") from exc
    except Exception as exc:
        raise SpecError(
            f"Running candidates file {text!r} raised {type(exc).__name__}: {exc}. "
            "Fix the file (run it with python to see the traceback, or pass --debug)."
        ) from exc
    example = "CANDIDATES = {'lone': LogisticRegression(), 'forest': RandomForestClassifier()}"
    if "CANDIDATES" not in namespace:
        raise SpecError(
            f"Candidates file {text!r} defines no CANDIDATES. Add a dict of names to "
            f"estimators, e.g. {example}."
        )
    found = namespace["CANDIDATES"]
    if not isinstance(found, Mapping):
        raise SpecError(
            f"CANDIDATES in {text!r} is a {type(found).__name__}, not a dict. Write it as "
            f"{example}."
        )
    out: dict[str, Any] = {}
    for key, model in found.items():
        if not isinstance(key, str) or not key.strip():
            raise SpecError(
                f"CANDIDATES in {text!r} has the key {key!r}; every key must be a non-empty "
                "name (a string)."
            )
        if isinstance(model, type) or not (
            _has_method(model, "predict") or _has_method(model, "predict_proba")
        ):
            raise SpecError(
                f"CANDIDATES[{key!r}] in {text!r} is {type(model).__name__}, not a model "
                "instance with predict(). Put estimator instances in the dict, e.g. "
                "LogisticRegression()."
            )
        out[key] = model
    return out
