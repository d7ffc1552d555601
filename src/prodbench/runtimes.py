"""Faster runtimes for a fitted model: ONNX Runtime and treelite, with parity checks.

A production team often serves a fitted scikit-learn model through a compiled
runtime, whose one-row overhead is a fraction of scikit-learn's Python
``predict`` path. :func:`onnx` and :func:`treelite` turn a fitted model into an
estimator-like object (``predict``, ``predict_proba`` where the model has it,
``classes_``) that :func:`prodbench.measure`, :func:`prodbench.compare`,
:func:`prodbench.testing.assert_latency` and the pytest plugin measure like any
pre-fitted model; :func:`parity` says whether it still predicts what the
original predicts.

* Conversion reads the fitted model and never refits it. Inputs are cast
  inside ``predict`` (the cast is part of every timed call) to the dtype the
  original compares features in: float32 (ONNX Runtime, scikit-learn's trees,
  XGBoost), float64 for HistGradientBoosting and LightGBM under treelite.
* The compiled objects are picklable: they hold the serialized model (ONNX
  bytes, treelite's serialized form), rebuild the session lazily after
  unpickling, and their size on disk is the size of those bytes.
* threadpoolctl does not reach ONNX Runtime's pools or treelite's ``nthread``:
  each adapter runs with the ``threads`` it was built with (one, as a serving
  worker runs one-row requests, by default), or with ``threads=None`` follows
  prodbench's per-phase thread policy (the limit of the enclosing
  :func:`prodbench.timing.thread_limit`: one thread for one-row latency, the
  machine's for bulk throughput under ``threads="serving"``), and records
  them in :attr:`CompiledModel.runtime_info`.
* A voting ensemble is compiled member by member, each member with the runtime
  that accepts it (skl2onnx 1.20 cannot convert HistGradientBoosting with
  scikit-learn 1.9; treelite refuses VotingClassifier and Pipeline), and
  combined as the ensemble does: the weighted mean of probabilities (soft), the
  weighted vote (hard), the weighted mean of predictions (VotingRegressor).

The optional dependencies are imported inside the functions: extras
``prodbench[onnx]`` (skl2onnx, onnxruntime) and ``prodbench[treelite]``.
"""

from __future__ import annotations

import copy
import importlib
import importlib.metadata
import os
import time
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from .errors import DataError, MissingDependencyError, RuntimeConversionError, SpecError
from .results import PARITY_TOLERANCE, Parity, RuntimeVariant
from .timing import current_thread_limit

__all__ = [
    "PARITY_TOLERANCE",
    "RUNTIMES",
    "CompiledModel",
    "OnnxModel",
    "Parity",
    "TreeliteModel",
    "VotingModel",
    "compile_model",
    "compile_variant",
    "onnx",
    "parity",
    "runtime_name",
    "treelite",
]

RUNTIMES: tuple[str, ...] = ("sklearn", "onnx", "treelite")
"""Runtime names for :func:`prodbench.compare`'s ``runtimes=``; "sklearn": the model as it is."""

_EXTRAS = {
    "skl2onnx": "onnx",
    "onnxruntime": "onnx",
    "onnx": "onnx",
    "treelite": "treelite",
}


def _require(module: str, what: str) -> Any:
    """Import an optional dependency or raise :class:`MissingDependencyError`."""
    extra = _EXTRAS.get(module, module)
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{what} needs the package {module!r}, which is not installed (or does not "
            f'import: {exc}). Install the extra: pip install "prodbench[{extra}]".'
        ) from exc


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - installed extras
        return "unknown"


def _short(exc: BaseException, limit: int = 240) -> str:
    """A converter's reason, on one line and short enough to read."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(exc).__name__}: {text}"


def _is_classifier(model: Any) -> bool:
    from .models import declared_task

    task = declared_task(model)
    if task is not None:
        return task == "classification"
    return getattr(model, "classes_", None) is not None


def _n_features(model: Any) -> int | None:
    n = getattr(model, "n_features_in_", None)
    if n is None:
        n = getattr(model, "n_features_", None)
    return int(n) if n is not None else None


def _as_float32(X: Any) -> np.ndarray:
    return _as_array(X, np.float32)


def _as_array(X: Any, dtype: Any = None) -> np.ndarray:
    array = np.asarray(X, dtype=dtype)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    return array


def _check_rows(model: Any, X: Any, name: str) -> None:
    """``X`` is a non-empty table of ``model``'s width, or a :class:`DataError` saying so."""
    shape = getattr(X, "shape", None)
    if shape is None:
        try:
            shape = np.asarray(X).shape
        except (TypeError, ValueError) as exc:
            raise DataError(f"{name} cannot be read as a table: {_short(exc, 120)}.") from exc
    if len(shape) != 2 or shape[0] == 0:
        raise DataError(
            f"{name} must be a non-empty 2-D table (rows x features); got shape {tuple(shape)}."
        )
    width = _n_features(model)
    if width is not None and shape[1] != width:
        raise DataError(
            f"{name} has {shape[1]} features, but the model was fitted on {width}. Pass rows "
            "with the columns the model was fitted on."
        )


def _allows_nan(model: Any) -> bool:
    """Whether a fitted model takes NaN features (scikit-learn's ``allow_nan`` input tag)."""
    tags = getattr(model, "__sklearn_tags__", None)
    if not callable(tags):
        return True  # not a scikit-learn estimator: nothing to go by, so nothing refused
    try:
        return bool(tags().input_tags.allow_nan)
    except Exception:
        return True


def _compare_dtype(model: Any) -> type[np.floating[Any]]:
    """The dtype the original model compares features in: parity needs the same.

    scikit-learn's trees and XGBoost split on float32 features; HistGradientBoosting
    and LightGBM on float64 (a float32 cast would move rows across their thresholds).
    """
    name = type(model).__name__
    module = type(model).__module__
    if name.startswith("HistGradientBoosting") or module.startswith("lightgbm"):
        return np.float64
    return np.float32


# --------------------------------------------------------------------------- base
class CompiledModel:
    """A fitted model compiled for a faster runtime; pre-fitted, never refitted.

    It has ``predict``, ``predict_proba`` where the original has it, and
    ``classes_`` for classifiers, and no ``fit``: measure it with ``fit=False``.
    Pickling keeps the serialized model only; the runtime session is rebuilt
    on first use after unpickling.

    Attributes
    ----------
    runtime : str
        ``"onnx"`` or ``"treelite"``.
    threads : int or None
        Threads the runtime uses per call (ONNX Runtime intra- and inter-op
        threads, treelite's ``nthread``); None: the limit of the enclosing
        :func:`prodbench.timing.thread_limit` (prodbench's per-phase thread
        policy), the runtime's default (all cores) outside one.
    source : str
        ``module.Class`` of the original model.
    conversion_time_s : float
        Seconds the conversion took.
    classes_ : ndarray
        The class labels (classifiers only).
    """

    runtime: str = ""
    threads: int | None = 1
    source: str = ""
    conversion_time_s: float = 0.0
    n_features_in_: int | None = None  # the original's width: other widths are refused
    _allow_nan: bool = True  # False when the original model refuses NaN

    def _take_input_rules(self, model: Any) -> None:
        """Refuse what the original refuses: another width, and NaN where it has no NaN support."""
        self.n_features_in_ = _n_features(model)
        self._allow_nan = _allows_nan(model)

    def _checked(self, X: Any, dtype: Any = None) -> np.ndarray:
        """``X`` as a 2-D array, once it has the original's width (and no NaN it would refuse)."""
        data = _as_array(X, dtype)
        n = self.n_features_in_
        if n is not None and (data.ndim != 2 or data.shape[1] != n):
            raise DataError(
                f"X has {data.shape[-1] if data.ndim else 0} features, but this {self.source} "
                f"compiled for {self.runtime} takes {n}, as the original model does. Pass rows "
                "with the columns it was fitted on."
            )
        if not self._allow_nan and data.dtype.kind == "f" and bool(np.isnan(data).any()):
            raise DataError(
                f"X contains NaN, which the original {self.source} refuses, so its form "
                f"compiled for {self.runtime} refuses it too. Impute the missing values first."
            )
        return data

    def __init__(
        self,
        payload: bytes,
        *,
        threads: int | None,
        estimator_type: str,
        classes: np.ndarray | None,
        has_proba: bool,
        source: str,
        conversion_time_s: float,
    ) -> None:
        """Keep the serialized model and what every runtime records about it."""
        self._payload = payload
        self.threads = threads
        self._estimator_type = estimator_type
        if classes is not None:
            self.classes_ = classes
        self._has_proba = has_proba
        self.source = source
        self.conversion_time_s = conversion_time_s

    def predict(self, X: Any) -> np.ndarray:
        """Predict with the compiled runtime."""
        raise NotImplementedError

    @property
    def size_bytes(self) -> int:
        """Bytes of the serialized compiled model (its footprint)."""
        raise NotImplementedError

    @property
    def runtime_info(self) -> dict[str, Any]:
        """What the result records: runtime, threads, versions, conversion time, size."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(runtime={self.runtime!r}, source={self.source!r}, "
            f"threads={self.threads}, size_bytes={self.size_bytes})"
        )


def _check_threads(threads: Any) -> int | None:
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise DataError(  # a ValueError too, as timing.check_threads raises for this option
            f"threads must be a positive integer or None (follow prodbench's thread policy), "
            f"not {threads!r}."
        )
    cores = os.cpu_count() or 1
    if threads > cores:  # a runtime would start that many native threads, per session
        raise DataError(
            f"threads={threads} is more than this machine's {cores} cores; a runtime's extra "
            f"threads only contend for them (and very many can exhaust the process). Pass "
            f"threads between 1 and {cores}, or None for prodbench's thread policy."
        )
    return int(threads)


def _threads_now(threads: int | None) -> int:
    """Threads for this call: fixed, else the thread policy's limit (0: the runtime's default)."""
    if threads is not None:
        return threads
    return current_thread_limit() or 0


def _threads_record(threads: int | None) -> int | str:
    return "per phase (prodbench's thread policy)" if threads is None else threads


def _estimator_kind(model: Any) -> tuple[str, np.ndarray | None]:
    if _is_classifier(model):
        classes = getattr(model, "classes_", None)
        if classes is None:
            raise RuntimeConversionError(
                f"Cannot compile {type(model).__name__}: it is a classifier without classes_. "
                "Is it fitted? Fit it before compiling; runtimes never refit a model."
            )
        return "classifier", np.asarray(classes)
    return "regressor", None


def _check_is_fitted(model: Any, runtime: str) -> None:
    if not callable(getattr(model, "get_params", None)):
        return
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except NotFittedError as exc:
        raise RuntimeConversionError(
            f"Cannot compile {type(model).__name__} for {runtime}: it is not fitted. Fit it "
            "first; runtimes convert a fitted model and never refit it."
        ) from exc
    except (TypeError, AttributeError):
        return


# --------------------------------------------------------------------------- ONNX Runtime
class OnnxModel(CompiledModel):
    """A model converted by skl2onnx and run by ONNX Runtime; see :func:`onnx`."""

    runtime = "onnx"

    def __init__(
        self,
        payload: bytes,
        *,
        threads: int | None,
        estimator_type: str,
        classes: np.ndarray | None,
        has_proba: bool,
        source: str,
        conversion_time_s: float,
    ) -> None:
        super().__init__(
            payload,
            threads=threads,
            estimator_type=estimator_type,
            classes=classes,
            has_proba=has_proba,
            source=source,
            conversion_time_s=conversion_time_s,
        )
        self._sessions: dict[int, Any] = {}  # one per thread count (0: ORT's default)
        self._input = ""
        self._label = ""
        self._proba = ""

    def _session(self) -> Any:
        threads = _threads_now(self.threads)
        session = self._sessions.get(threads)
        return session if session is not None else self._open(threads)

    def _open(self, threads: int) -> Any:
        ort = _require("onnxruntime", "An ONNX Runtime model")
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = threads
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.log_severity_level = 3  # errors only: the library never prints (ORT logs to stderr)
        session = ort.InferenceSession(self._payload, so, providers=["CPUExecutionProvider"])
        outputs = session.get_outputs()
        self._input = session.get_inputs()[0].name
        self._label = outputs[0].name
        self._proba = outputs[1].name if len(outputs) > 1 else ""
        self._sessions[threads] = session
        return session

    def predict(self, X: Any) -> np.ndarray:
        """Predict with ONNX Runtime (``X`` cast to float32 inside the call)."""
        out = self._session().run([self._label], {self._input: self._checked(X, np.float32)})[0]
        if self._estimator_type == "classifier":
            out = np.asarray(out).reshape(-1)
            kind = self.classes_.dtype.kind
            if kind in "iub" and out.dtype != self.classes_.dtype:
                out = out.astype(self.classes_.dtype)
            return out
        out = np.asarray(out)
        return out.reshape(-1) if out.ndim == 2 and out.shape[1] == 1 else out

    def _predict_proba(self, X: Any) -> np.ndarray:
        data = self._checked(X, np.float32)
        return np.asarray(self._session().run([self._proba], {self._input: data})[0])

    @property
    def predict_proba(self) -> Any:
        """Class probabilities with ONNX Runtime (classifiers that have them)."""
        if not self._has_proba:
            raise AttributeError(f"this {self.source} compiled for ONNX has no predict_proba")
        return self._predict_proba

    @property
    def size_bytes(self) -> int:
        """Bytes of the ONNX model."""
        return len(self._payload)

    @property
    def runtime_info(self) -> dict[str, Any]:
        """Runtime, threads, converter and engine versions, conversion time, size."""
        return {
            "runtime": "onnx",
            "threads": {
                "intra_op": _threads_record(self.threads),
                "inter_op": _threads_record(self.threads),
            },
            "converter": f"skl2onnx {_version('skl2onnx')}",
            "engine": f"onnxruntime {_version('onnxruntime')}",
            "source": self.source,
            "conversion_time_s": self.conversion_time_s,
            "size_bytes": self.size_bytes,
        }

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_sessions"] = {}
        return state


def _voting_quirks(model: Any) -> Any:
    """A shallow copy of a voting ensemble that skl2onnx 1.20 accepts, predicting the same.

    Soft voting's ``flatten_transform=True`` (the default) blocks skl2onnx; it
    changes only ``transform``. skl2onnx also calls ``weights.sum()``, so a list
    of weights becomes an array. The user's model is left untouched.
    """
    if not _is_voting(model):
        return model
    patched = copy.copy(model)
    if getattr(model, "flatten_transform", False):
        patched.flatten_transform = False
    if model.weights is not None:
        patched.weights = np.asarray(model.weights, dtype=np.float64)
    return patched


def _to_onnx_bytes(model: Any, sample: np.ndarray, classifier: bool) -> bytes:
    skl2onnx = _require("skl2onnx", "runtimes.onnx")
    _require("onnxruntime", "runtimes.onnx")
    target = _voting_quirks(model)
    options: dict[Any, Any] | None = {"zipmap": False} if classifier else None
    try:
        onx = skl2onnx.to_onnx(target, sample, options=options)
    except NameError:  # an option the model's converter does not know
        onx = skl2onnx.to_onnx(target, sample)
    payload: bytes = onx.SerializeToString()
    return payload


def _sample(model: Any, X_sample: Any) -> np.ndarray:
    if X_sample is not None:
        try:
            sample = _as_float32(X_sample)
        except (TypeError, ValueError) as exc:
            raise DataError(
                f"X_sample ({type(X_sample).__name__}) cannot be read as rows of numbers: "
                f"{_short(exc, 120)}. Pass a few rows of the training data."
            ) from exc
        if sample.ndim != 2 or sample.shape[0] == 0:
            raise DataError(
                f"X_sample must hold at least one row of features; got shape {sample.shape}. "
                "Pass a few rows of the training data."
            )
        return sample[:1]
    n = _n_features(model)
    if n is None:
        raise RuntimeConversionError(
            f"Cannot compile {type(model).__name__} for onnx without an input sample: it has "
            "no n_features_in_. Pass X_sample (a few rows of the training data)."
        )
    return np.zeros((1, n), dtype=np.float32)


def _onnx_single(model: Any, X_sample: Any, threads: int | None) -> OnnxModel:
    from .models import qualified_name

    kind, classes = _estimator_kind(model)
    sample = _sample(model, X_sample)
    t0 = time.perf_counter()
    try:
        payload = _to_onnx_bytes(model, sample, kind == "classifier")
        fast = OnnxModel(
            payload,
            threads=threads,
            estimator_type=kind,
            classes=classes,
            has_proba=False,
            source=qualified_name(model),
            conversion_time_s=0.0,
        )
        fast._session()
    except MissingDependencyError:
        raise
    except Exception as exc:
        hint = (
            " skl2onnx 1.20 cannot convert HistGradientBoosting with scikit-learn 1.9: use "
            "runtimes.treelite for it."
            if "HistGradientBoosting" in type(model).__name__
            else ""
        )
        raise RuntimeConversionError(
            f"Cannot compile {type(model).__name__} ({qualified_name(model)}) for onnx: "
            f"skl2onnx {_version('skl2onnx')} / onnxruntime {_version('onnxruntime')} said "
            f"{_short(exc)}.{hint} Keep this model on scikit-learn, or try "
            "runtime='treelite' for tree ensembles."
        ) from exc
    fast._has_proba = (
        kind == "classifier"
        and callable(getattr(model, "predict_proba", None))
        and bool(fast._proba)
    )
    fast.conversion_time_s = time.perf_counter() - t0
    fast._take_input_rules(model)
    return fast


# --------------------------------------------------------------------------- treelite
class TreeliteModel(CompiledModel):
    """A tree ensemble imported by treelite and run by GTIL; see :func:`treelite`."""

    runtime = "treelite"

    def __init__(
        self,
        payload: bytes,
        *,
        threads: int | None,
        estimator_type: str,
        classes: np.ndarray | None,
        has_proba: bool,
        source: str,
        frontend: str,
        conversion_time_s: float,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__(
            payload,
            threads=threads,
            estimator_type=estimator_type,
            classes=classes,
            has_proba=has_proba,
            source=source,
            conversion_time_s=conversion_time_s,
        )
        self.frontend = frontend
        self.dtype = np.dtype(dtype).name
        self._model: Any = None
        self._gtil: Any = None

    def _open(self) -> Any:
        tl = _require("treelite", "A treelite model")
        self._gtil = importlib.import_module("treelite.gtil")
        self._model = tl.Model.deserialize_bytes(self._payload)
        return self._model

    def _raw(self, X: Any) -> np.ndarray:
        model = self._model if self._model is not None else self._open()
        data = self._checked(X, self.dtype)
        out = self._gtil.predict(model, data, nthread=_threads_now(self.threads))
        return np.asarray(out).reshape(data.shape[0], -1)

    def _proba_of(self, X: Any) -> np.ndarray:
        out = self._raw(X)
        if out.shape[1] == 1 and len(self.classes_) == 2:
            out = np.hstack([1.0 - out, out])
        return out

    def predict(self, X: Any) -> np.ndarray:
        """Predict with treelite GTIL (``X`` cast to :attr:`dtype` inside the call)."""
        if self._estimator_type == "classifier":
            out: np.ndarray = self.classes_[self._proba_of(X).argmax(axis=1)]
            return out
        raw = self._raw(X)
        return raw.reshape(-1) if raw.shape[1] == 1 else raw

    @property
    def predict_proba(self) -> Any:
        """Class probabilities with treelite GTIL (classifiers that have them)."""
        if not self._has_proba:
            raise AttributeError(f"this {self.source} compiled for treelite has no predict_proba")
        return self._proba_of

    @property
    def size_bytes(self) -> int:
        """Bytes of treelite's serialized model."""
        return len(self._payload)

    @property
    def runtime_info(self) -> dict[str, Any]:
        """Runtime, threads, frontend and version, conversion time, size."""
        return {
            "runtime": "treelite",
            "threads": {"nthread": _threads_record(self.threads)},
            "converter": f"treelite {_version('treelite')} ({self.frontend})",
            "input_dtype": self.dtype,
            "engine": f"treelite GTIL {_version('treelite')}",
            "source": self.source,
            "conversion_time_s": self.conversion_time_s,
            "size_bytes": self.size_bytes,
        }

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_model"] = None
        state["_gtil"] = None
        return state


def _treelite_import(model: Any) -> tuple[Any, str]:
    tl = _require("treelite", "runtimes.treelite")
    module = type(model).__module__
    if module.startswith("xgboost") and callable(getattr(model, "get_booster", None)):
        return tl.frontend.from_xgboost(model.get_booster()), "treelite.frontend.from_xgboost"
    if module.startswith("lightgbm") and getattr(model, "booster_", None) is not None:
        return tl.frontend.from_lightgbm(model.booster_), "treelite.frontend.from_lightgbm"
    sklearn_frontend = importlib.import_module("treelite.sklearn")
    return sklearn_frontend.import_model(model), "treelite.sklearn.import_model"


def _treelite_single(model: Any, threads: int | None) -> TreeliteModel:
    from .models import qualified_name

    kind, classes = _estimator_kind(model)
    t0 = time.perf_counter()
    try:
        imported, frontend = _treelite_import(model)
        payload = bytes(imported.serialize_bytes())
    except MissingDependencyError:
        raise
    except Exception as exc:
        raise RuntimeConversionError(
            f"Cannot compile {type(model).__name__} ({qualified_name(model)}) for treelite: "
            f"treelite {_version('treelite')} said {_short(exc)}. treelite imports tree "
            "ensembles (RandomForest, ExtraTrees, GradientBoosting, HistGradientBoosting, "
            "XGBoost, LightGBM); keep this model on scikit-learn or try runtime='onnx'."
        ) from exc
    fast = TreeliteModel(
        payload,
        threads=threads,
        estimator_type=kind,
        classes=classes,
        has_proba=kind == "classifier" and callable(getattr(model, "predict_proba", None)),
        source=qualified_name(model),
        frontend=frontend,
        conversion_time_s=0.0,
        dtype=_compare_dtype(model),
    )
    fast._open()
    if kind == "classifier":
        width = fast._raw(np.zeros((1, imported.num_feature), dtype=np.float32)).shape[1]
        if width not in (len(classes), 1) or (width == 1 and len(classes) != 2):  # type: ignore[arg-type]
            raise RuntimeConversionError(
                f"Cannot compile {type(model).__name__} ({qualified_name(model)}) for "
                f"treelite: it gives {width} outputs per row for {len(classes)} classes "  # type: ignore[arg-type]
                "(an objective without probabilities?). Keep this model on scikit-learn."
            )
    fast.conversion_time_s = time.perf_counter() - t0
    fast._take_input_rules(model)
    return fast


# --------------------------------------------------------------------------- voting ensembles
class VotingModel(CompiledModel):
    """A voting ensemble compiled member by member and combined as scikit-learn does.

    Soft voting: the weighted mean of the members' probabilities, then the
    most probable class. Hard voting: the weighted vote of the members'
    labels. ``VotingRegressor``: the weighted mean of the members' predictions.
    """

    def __init__(
        self,
        members: Sequence[tuple[str, CompiledModel]],
        *,
        runtime: str,
        voting: str,
        weights: Sequence[float] | None,
        estimator_type: str,
        classes: np.ndarray | None,
        source: str,
        conversion_time_s: float,
    ) -> None:
        # no serialized model of its own (each member keeps its own): not CompiledModel.__init__
        self.members = list(members)
        self.runtime = runtime
        self.voting = voting
        self.weights = None if weights is None else np.asarray(weights, dtype=np.float64)
        self._estimator_type = estimator_type
        if classes is not None:
            self.classes_ = classes
        self.source = source
        self.conversion_time_s = conversion_time_s
        counts = [m.threads for _, m in self.members]
        self.threads = None if None in counts else max(c for c in counts if c is not None)

    def _mean_proba(self, X: Any) -> np.ndarray:
        data = _as_array(X)  # each member casts to its own dtype
        probas = [cast(Any, m).predict_proba(data) for _, m in self.members]
        return np.average(np.asarray(probas, dtype=np.float64), axis=0, weights=self.weights)

    def predict(self, X: Any) -> np.ndarray:
        """Predict: each member on its runtime, combined as the ensemble does."""
        data = _as_array(X)  # each member casts to its own dtype
        if self._estimator_type == "regressor":
            preds = np.asarray([m.predict(data) for _, m in self.members], dtype=np.float64)
            return np.average(preds, axis=0, weights=self.weights)
        if self.voting == "soft":
            out: np.ndarray = self.classes_[self._mean_proba(data).argmax(axis=1)]
            return out
        votes = np.asarray([m.predict(data) for _, m in self.members]).T.astype(np.intp)
        k = len(self.classes_)
        weights = np.ones(len(self.members)) if self.weights is None else self.weights
        tally = np.zeros((votes.shape[0], k))
        for j in range(votes.shape[1]):
            np.add.at(tally, (np.arange(votes.shape[0]), votes[:, j]), weights[j])
        result: np.ndarray = self.classes_[tally.argmax(axis=1)]
        return result

    @property
    def predict_proba(self) -> Any:
        """Weighted mean of the members' probabilities (soft voting only)."""
        if self._estimator_type != "classifier" or self.voting != "soft":
            raise AttributeError("predict_proba is not available when voting='hard'")
        return self._mean_proba

    @property
    def size_bytes(self) -> int:
        """Bytes of all the members' serialized models."""
        return sum(m.size_bytes for _, m in self.members)

    @property
    def runtime_info(self) -> dict[str, Any]:
        """The ensemble's runtime, threads, size, and each member's own record."""
        return {
            "runtime": self.runtime,
            "threads": {"per_member": _threads_record(self.threads)},
            "converter": "member by member",
            "engine": ", ".join(sorted({m.runtime for _, m in self.members})),
            "source": self.source,
            "conversion_time_s": self.conversion_time_s,
            "size_bytes": self.size_bytes,
            "members": {name: m.runtime_info for name, m in self.members},
        }


def _is_voting(model: Any) -> bool:
    return (
        type(model).__name__ in ("VotingClassifier", "VotingRegressor")
        and hasattr(model, "estimators_")
        and hasattr(model, "estimators")
    )


def _voting_weights(model: Any) -> list[float] | None:
    if model.weights is None:
        return None
    return [
        float(w)
        for (_, est), w in zip(model.estimators, model.weights, strict=True)
        if est != "drop"
    ]


def _compile_voting(model: Any, runtime: str, X_sample: Any, threads: int | None) -> VotingModel:
    from .models import qualified_name

    kind, classes = _estimator_kind(model)
    order = ["onnx", "treelite"] if runtime == "onnx" else ["treelite", "onnx"]
    names = [name for name, est in model.estimators if est != "drop"]
    t0 = time.perf_counter()
    members: list[tuple[str, CompiledModel]] = []
    voting = getattr(model, "voting", "soft") if kind == "classifier" else "mean"
    for name, fitted in zip(names, model.estimators_, strict=True):
        reasons: list[str] = []
        for choice in order:
            try:
                member = compile_model(fitted, choice, X_sample=X_sample, threads=threads)
            except RuntimeConversionError as exc:
                reasons.append(str(exc))
                continue
            if (
                kind == "classifier"
                and voting == "soft"
                and not callable(getattr(member, "predict_proba", None))
            ):
                reasons.append(f"{choice}: member has no predict_proba for soft voting")
                continue
            members.append((name, member))
            break
        else:
            raise RuntimeConversionError(
                f"Cannot compile {type(model).__name__} ({qualified_name(model)}) for "
                f"{runtime}: its member {name!r} ({type(fitted).__name__}) converts with no "
                f"runtime. {' / '.join(reasons)}"
            )
    return VotingModel(
        members,
        runtime=runtime,
        voting=voting,
        weights=_voting_weights(model),
        estimator_type=kind,
        classes=classes,
        source=qualified_name(model),
        conversion_time_s=time.perf_counter() - t0,
    )


# --------------------------------------------------------------------------- public adapters
def compile_model(
    fitted_model: Any, runtime: str, *, X_sample: Any = None, threads: int | None = 1
) -> CompiledModel:
    """Compile ``fitted_model`` for ``runtime`` (``"onnx"`` or ``"treelite"``).

    The dispatcher behind :func:`onnx` and :func:`treelite`, and the one
    :func:`prodbench.compare` uses for ``runtimes=``.

    Raises
    ------
    RuntimeConversionError
        The model cannot be converted; the message names the model, the
        runtime and the converter's reason.
    MissingDependencyError
        The runtime's extra is not installed.
    ValueError
        An unknown runtime name or a bad ``threads``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> fast = compile_model(RandomForestClassifier(10, random_state=0).fit(X, y), "treelite")
    >>> fast.runtime, fast.predict(X[:3]).tolist()
    ('treelite', [0, 0, 0])
    """
    threads = _check_threads(threads)
    if runtime not in ("onnx", "treelite"):
        raise SpecError(f"Unknown runtime {runtime!r}: use 'onnx' or 'treelite'.")
    _check_is_fitted(fitted_model, runtime)
    if _is_voting(fitted_model):
        if runtime == "onnx":
            try:
                return _onnx_single(fitted_model, X_sample, threads)
            except RuntimeConversionError:
                pass  # a member skl2onnx refuses: compile member by member below
        return _compile_voting(fitted_model, runtime, X_sample, threads)
    if runtime == "onnx":
        return _onnx_single(fitted_model, X_sample, threads)
    return _treelite_single(fitted_model, threads)


def onnx(fitted_model: Any, X_sample: Any = None, threads: int | None = 1) -> CompiledModel:
    """Convert a fitted model with skl2onnx and run it with ONNX Runtime.

    Parameters
    ----------
    fitted_model : estimator
        A fitted scikit-learn model (pipelines included) that skl2onnx
        converts. A voting ensemble whose members skl2onnx does not all
        accept is compiled member by member (treelite for the others).
    X_sample : array-like, optional
        A few input rows, for the input's shape; default: zeros of
        ``n_features_in_`` columns.
    threads : int or None, default 1
        ONNX Runtime's intra-op and inter-op threads (one: a serving
        worker's one-row latency), at most ``os.cpu_count()``. None follows
        prodbench's per-phase thread policy (see :class:`CompiledModel`).

    Returns
    -------
    CompiledModel
        With ``predict``, ``predict_proba`` where the model has it, ``classes_``.

    Raises
    ------
    RuntimeConversionError
        skl2onnx or ONNX Runtime refuses the model (the reason is named).
    MissingDependencyError
        skl2onnx or onnxruntime is missing: ``pip install "prodbench[onnx]"``.

    Examples
    --------
    >>> from prodbench import runtimes
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LogisticRegression(max_iter=500).fit(X, y)
    >>> fast = runtimes.onnx(model, X[:5])
    >>> runtimes.parity(model, fast, X).ok
    True
    """
    return compile_model(fitted_model, "onnx", X_sample=X_sample, threads=threads)


def treelite(fitted_model: Any, threads: int | None = 1) -> CompiledModel:
    """Import a fitted tree ensemble with treelite and predict with its GTIL.

    Accepts scikit-learn's RandomForest, ExtraTrees, GradientBoosting and
    HistGradientBoosting (classifiers and regressors), and XGBoost and
    LightGBM scikit-learn models through treelite's own frontends. A voting
    ensemble is compiled member by member (ONNX Runtime for members treelite
    does not import, such as a logistic-regression pipeline).

    Parameters
    ----------
    fitted_model : estimator
        The fitted model.
    threads : int or None, default 1
        treelite's ``nthread`` per call; None follows prodbench's per-phase
        thread policy (see :class:`CompiledModel`).

    Returns
    -------
    CompiledModel

    Raises
    ------
    RuntimeConversionError
        treelite does not import the model (the reason is named).
    MissingDependencyError
        treelite is missing: ``pip install "prodbench[treelite]"``.

    Examples
    --------
    >>> from prodbench import runtimes
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> forest = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
    >>> fast = runtimes.treelite(forest)
    >>> par = runtimes.parity(forest, fast, X)
    >>> par.agreement, par.ok
    (1.0, True)
    """
    return compile_model(fitted_model, "treelite", threads=threads)


# --------------------------------------------------------------------------- parity
def parity(fitted_model: Any, fast: Any, X_test: Any, *, task: str | None = None) -> Parity:
    """Compare a compiled model's predictions with the original's on ``X_test``.

    Parameters
    ----------
    fitted_model : estimator
        The original, fitted model.
    fast : estimator
        Its compiled form (or any model meant to predict the same).
    X_test : array-like
        The rows to compare on (the test rows).
    task : {"classification", "regression"}, optional
        Default: what ``fitted_model`` declares (classifier when it has ``classes_``).

    Returns
    -------
    Parity

    Examples
    --------
    >>> from prodbench import runtimes
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    >>> runtimes.parity(forest, forest, X).describe()
    'parity ok: 100.0% labels agree (0 of 150 differ), max |diff| 0'
    """
    if task is None:
        task = "classification" if _is_classifier(fitted_model) else "regression"
    _check_rows(fitted_model, X_test, "X_test")
    ref = np.asarray(fitted_model.predict(X_test))
    got = np.asarray(fast.predict(X_test))
    n = int(ref.shape[0])
    if got.shape != ref.shape:
        return Parity(n=n, n_differ=n, max_abs_diff=float("inf"), task=task)
    if task == "regression":
        ref64, got64 = ref.astype(np.float64), got.astype(np.float64)
        close = np.isclose(got64, ref64, rtol=PARITY_TOLERANCE, atol=PARITY_TOLERANCE)
        differ = int(np.count_nonzero(~close.reshape(n, -1).all(axis=1)))
        diff = float(np.max(np.abs(got64 - ref64))) if n else 0.0
        return Parity(n=n, n_differ=differ, max_abs_diff=diff, task=task)
    differ = int(np.count_nonzero(ref != got))
    max_diff: float | None = None
    ref_proba = getattr(fitted_model, "predict_proba", None)
    got_proba = getattr(fast, "predict_proba", None)
    if callable(ref_proba) and callable(got_proba):
        p_ref = np.asarray(ref_proba(X_test), dtype=np.float64)
        p_got = np.asarray(got_proba(X_test), dtype=np.float64)
        max_diff = (
            float(np.max(np.abs(p_ref - p_got))) if p_ref.shape == p_got.shape else float("inf")
        )
        if n == 0:
            max_diff = 0.0
    return Parity(n=n, n_differ=differ, max_abs_diff=max_diff, task=task)


# --------------------------------------------------------------------------- comparisons
def compile_variant(
    fitted_model: Any,
    runtime: Any,
    *,
    base: str,
    X_sample: Any,
    X_test: Any,
    threads: int | None = 1,
) -> tuple[Any, RuntimeVariant]:
    """Compile a comparison's candidate for ``runtime`` and check its parity on ``X_test``.

    What :func:`prodbench.compare` does for each ``name@runtime`` variant:
    the conversion is timed, the compiled size recorded, and parity measured
    against ``fitted_model`` on the test rows.

    Parameters
    ----------
    fitted_model : estimator
        The base candidate's fitted model.
    runtime : str or callable
        ``"onnx"``, ``"treelite"``, or a callable
        ``runtime(fitted_model, X_sample, threads) -> model`` (its
        ``runtime_name`` attribute, else ``__name__``, names it).
    base : str
        The base candidate's name, recorded in the result.
    X_sample, X_test : array-like
        A few training rows (the input's shape); the test rows (parity).
    threads : int or None, default 1
        The runtime's threads (None: per phase, prodbench's thread policy).

    Returns
    -------
    (model, RuntimeVariant)

    Raises
    ------
    RuntimeConversionError, MissingDependencyError

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> forest = RandomForestClassifier(10, random_state=0).fit(X, y)
    >>> fast, info = compile_variant(forest, "treelite", base="forest", X_sample=X, X_test=X)
    >>> info.runtime, info.parity.ok, info.size_bytes == fast.size_bytes
    ('treelite', True, True)
    """
    name = runtime_name(runtime)
    t0 = time.perf_counter_ns()
    if callable(runtime):
        try:
            fast = runtime(fitted_model, X_sample, threads)
        except (RuntimeConversionError, MissingDependencyError):
            raise
        except Exception as exc:
            raise RuntimeConversionError(
                f"Cannot compile {type(fitted_model).__name__} for runtime {name!r}: it said "
                f"{_short(exc)}. Keep this model on scikit-learn."
            ) from exc
    else:
        fast = compile_model(fitted_model, runtime, X_sample=X_sample, threads=threads)
    elapsed = time.perf_counter_ns() - t0
    details = getattr(fast, "runtime_info", None)
    details = dict(details) if isinstance(details, dict) else {"runtime": name}
    size = getattr(fast, "size_bytes", None)
    if not isinstance(size, int):
        import pickle

        size = len(pickle.dumps(fast))
    return fast, RuntimeVariant(
        runtime=name,
        base=base,
        conversion_time_ns=int(elapsed),
        size_bytes=int(size),
        parity=parity(fitted_model, fast, X_test),
        details=details,
    )


def runtime_name(runtime: Any) -> str:
    """The name of a runtime: the string itself, or a callable's ``runtime_name``/``__name__``.

    Examples
    --------
    >>> runtime_name("onnx")
    'onnx'
    """
    if isinstance(runtime, str):
        return runtime
    return str(getattr(runtime, "runtime_name", None) or getattr(runtime, "__name__", "custom"))
