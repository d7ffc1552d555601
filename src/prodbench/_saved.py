"""Checks of values read back from saved files: a results file is checked as it is read.

An edited or corrupted value would otherwise be rendered and decided on (a
negative latency, a NaN score, a negative price picking the most expensive
candidate). Each check raises a :class:`~prodbench.errors.SchemaError` naming
the field, the value and what it must be; ``from_dict`` of results,
comparisons, sweeps, capacities and load tests call them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import SchemaError

__all__ = [
    "MAX_SAVED_NS",
    "check_saved_names",
    "invalid",
    "latency_fields",
    "saved_count",
    "saved_float",
    "saved_ns",
    "saved_text",
    "score_fields",
]

MAX_SAVED_NS = 2**53
"""The largest nanosecond count a results file may hold (104 days; exact as a float)."""


def _shown(value: Any) -> str:
    """A short, safe ``repr`` for a message (a 5000-digit int cannot even be printed)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**18:
        return f"a {value.bit_length()}-bit integer"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def invalid(field_name: str, value: Any, need: str) -> SchemaError:
    """The error for one impossible saved value: the field, the value, what it must be.

    Examples
    --------
    >>> str(invalid("score.value", "high", "a number")).split(",")[0]
    "The saved score.value is 'high'"
    """
    return SchemaError(
        f"The saved {field_name} is {_shown(value)}, but it must be {need}. The file was "
        "edited or corrupted: re-run the measurement and save it again."
    )


def saved_ns(values: Any, field_name: str) -> np.ndarray:
    """A saved list of nanosecond durations: whole numbers from 0 to :data:`MAX_SAVED_NS`.

    Examples
    --------
    >>> saved_ns([1000, 2000], "latency.samples_ns").tolist()
    [1000, 2000]
    >>> saved_ns([-5], "latency.samples_ns")
    Traceback (most recent call last):
    ...
    prodbench.errors.SchemaError: The saved latency.samples_ns value is -5, ...
    """
    need = f"a list of whole nanoseconds from 0 to {MAX_SAVED_NS}"
    if not isinstance(values, list | tuple | np.ndarray):
        raise invalid(field_name, values, need)
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":  # floats, bools, strings, huge ints
        bad = next(
            (v for v in values if isinstance(v, bool) or not isinstance(v, int | np.integer)),
            next((v for v in values if abs(int(v)) > MAX_SAVED_NS), values[0]),
        )
        raise invalid(f"{field_name} value", bad, need)
    if int(arr.min()) < 0 or int(arr.max()) > MAX_SAVED_NS:
        bad = int(arr.min()) if int(arr.min()) < 0 else int(arr.max())
        raise invalid(f"{field_name} value", bad, need)
    return arr.astype(np.int64)


def saved_count(value: Any, field_name: str, *, least: int = 0, optional: bool = False) -> Any:
    """A saved whole number (a count, bytes, nanoseconds) of at least ``least``.

    Examples
    --------
    >>> saved_count(2048, "footprint.size_bytes")
    2048
    """
    if value is None and optional:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or not least <= value <= MAX_SAVED_NS
    ):
        raise invalid(field_name, value, f"a whole number from {least} to {MAX_SAVED_NS}")
    return int(value)


def saved_float(value: Any, field_name: str, *, positive: bool = False) -> float:
    """A saved finite number (positive when asked).

    Examples
    --------
    >>> saved_float(0.97, "score.value")
    0.97
    """
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise invalid(field_name, value, "a number")
    number = float(value)
    if not math.isfinite(number) or (positive and number <= 0):
        raise invalid(field_name, value, "positive and finite" if positive else "finite")
    return number


def saved_text(value: Any, field_name: str) -> str:
    """A saved string.

    Examples
    --------
    >>> saved_text("accuracy", "score.name")
    'accuracy'
    """
    if not isinstance(value, str):
        raise invalid(field_name, value, "a string")
    return value


def check_saved_names(data: Mapping[str, Any], what: str) -> None:
    """A saved comparison's ``names``, ``results``, ``failures`` and ``baseline`` agree.

    Every name is a string and names a result or a failure, every result and
    failure is named, and the baseline is one of the names.

    Examples
    --------
    >>> check_saved_names({"names": ["a"], "results": {"a": {}}, "baseline": "a"}, "comparison")
    >>> check_saved_names({"names": ["a", "b"], "results": {"a": {}}, "baseline": "a"}, "x")
    Traceback (most recent call last):
    ...
    prodbench.errors.SchemaError: The saved x names 'b', which has neither a result nor ...
    """
    names = data.get("names")
    results = data.get("results")
    failures = data.get("failures", {})
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise invalid(f"{what}'s names", names, "a list of candidate names (strings)")
    if not isinstance(results, Mapping) or not isinstance(failures, Mapping):
        raise invalid(f"{what}'s results", results, "a mapping of names to results")
    known = set(results) | set(failures)
    ghosts = [n for n in names if n not in known]
    if ghosts:
        raise SchemaError(
            f"The saved {what} names {', '.join(map(_shown, ghosts[:5]))}, which has neither a "
            "result nor a failure in the file. The file was edited or corrupted: re-run the "
            "measurement and save it again."
        )
    unnamed = [n for n in known if n not in names]
    if unnamed:
        raise SchemaError(
            f"The saved {what} holds results for {', '.join(map(_shown, unnamed[:5]))}, which "
            "its names do not list. The file was edited or corrupted: re-run the measurement "
            "and save it again."
        )
    for key, result in results.items():
        if isinstance(result, Mapping) and result.get("name", key) != key:
            raise invalid(f"name of result {_shown(key)}", result.get("name"), repr(key))
    if data.get("baseline") not in names:
        raise invalid(f"{what}'s baseline", data.get("baseline"), "one of its names")
    price = data.get("price_per_core_hour")
    if price is not None:
        saved_float(price, f"{what}'s price_per_core_hour", positive=True)


def latency_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """A saved latency's fields, checked: whole non-negative samples, counts, texts."""
    checked = dict(data)
    checked["samples_ns"] = saved_ns(data["samples_ns"], "latency.samples_ns")
    for key in ("warmup", "gc_collections"):
        if key in data:
            checked[key] = saved_count(data[key], f"latency.{key}")
    if "cold_start_ns" in data:
        checked["cold_start_ns"] = saved_count(
            data["cold_start_ns"], "latency.cold_start_ns", optional=True
        )
    if "elapsed_s" in data:
        checked["elapsed_s"] = saved_float(data["elapsed_s"], "latency.elapsed_s")
    for key in ("stop_reason", "method", "request_format"):
        if key in data:
            checked[key] = saved_text(data[key], f"latency.{key}")
    return checked


def score_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """A saved score's fields, checked: a finite value, a name, rows of equal length."""
    checked = dict(data)
    checked["name"] = saved_text(data["name"], "score.name")
    checked["value"] = saved_float(data["value"], "score.value")
    for key in ("y_true", "y_pred"):
        if not isinstance(data[key], list):
            raise invalid(f"score.{key}", data[key], "a list with one value per test row")
    if len(data["y_true"]) != len(data["y_pred"]):
        raise invalid(
            "score.y_pred length", len(data["y_pred"]), f"{len(data['y_true'])} (y_true's)"
        )
    if "rows_digest" in data:
        checked["rows_digest"] = saved_text(data["rows_digest"], "score.rows_digest")
    for key in ("terms", "replicates"):
        if key in data and not isinstance(data[key], list):
            raise invalid(f"score.{key}", data[key], "a list of numbers")
    return checked
