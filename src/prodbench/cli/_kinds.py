"""The files prodbench writes, told apart by their ``kind``: one constant table for the CLI.

``show`` renders any of them; ``capacity``, ``diff`` and ``report`` need a
particular kind and, given another, say what the file is and what to run
instead (in command-line words, not the library's). A foreign JSON file is
"not a prodbench results file". A new kind of file (a calibration
reference, say) is one row of :data:`SAVED_KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..errors import SchemaError, SpecError


def _comparison(data: Any) -> Any:
    from ..verdict import Comparison

    return Comparison.from_dict(data)


def _sweep(data: Any) -> Any:
    from ..sweep_results import Sweep

    return Sweep.from_dict(data)


def _load_test(data: Any) -> Any:
    from ..serving_results import LoadTestResult

    return LoadTestResult.from_dict(data)


def _capacity(data: Any) -> Any:
    from ..serving_results import Capacity

    return Capacity.from_dict(data)


def _result(data: Any) -> Any:
    from ..results import ModelResult

    return ModelResult.from_dict(data)


def _comparison_exit(cmp: Any) -> int:
    from ._common import comparison_exit

    return comparison_exit(cmp)


def _sweep_exit(sw: Any) -> int:
    from ._common import sweep_exit

    return sweep_exit(sw)


def load_test_exit(lt: Any) -> int:
    """The exit code of ``load-test`` on its result: 1 when it could not keep up, else 0.

    Examples
    --------
    >>> import numpy as np
    >>> from prodbench.serving_results import LoadLatency, LoadTestResult
    >>> lat = LoadLatency(samples_ns=np.full(3000, 1_000_000))
    >>> lt = LoadTestResult(lat, offered_qps=300.0, requests=3000, duration_s=10.0,
    ...                     elapsed_s=10.0, workers=1, startup_s=0.8)
    >>> load_test_exit(lt)
    0
    """
    return 0 if lt.kept_up else 1


def _zero(_: Any) -> int:
    return 0


@dataclass(frozen=True)
class SavedKind:
    """One kind of file prodbench writes.

    Parameters
    ----------
    what : str
        What the file is, in a sentence ("a saved load test").
    written_by : str
        The command that writes it.
    load : callable
        The file's dict -> its result object.
    exit : callable
        The result -> the exit code of the command that wrote it (``show``
        exits by the same rule).
    plot : bool
        Whether the result draws a figure (``show --plot``).

    Examples
    --------
    >>> SAVED_KINDS["LoadTestResult"].what
    'a saved load test'
    """

    what: str
    written_by: str
    load: Callable[[Any], Any]
    exit: Callable[[Any], int]
    plot: bool = False


#: ``kind`` of the JSON file -> how the command line reads, shows and exits on it.
SAVED_KINDS: Mapping[str, SavedKind] = MappingProxyType(
    {
        "Comparison": SavedKind(
            "a saved comparison", "compare --output", _comparison, _comparison_exit, plot=True
        ),
        "Sweep": SavedKind("a saved sweep", "sweep --output", _sweep, _sweep_exit, plot=True),
        "LoadTestResult": SavedKind(
            "a saved load test", "load-test --output", _load_test, load_test_exit
        ),
        "Capacity": SavedKind("a saved capacity", "capacity --output", _capacity, _zero),
        "ModelResult": SavedKind(
            "one model's saved result", "ModelResult.to_json", _result, _zero, plot=True
        ),
    }
)

_SHOW_HINT = (
    "prodbench show renders the files that compare, sweep, capacity and load-test write "
    "with --output."
)


def read_saved(path: str) -> tuple[str, Any]:
    """Read a results file: its ``kind`` (a row of :data:`SAVED_KINDS`) and its JSON data.

    Raises
    ------
    SchemaError
        For foreign JSON ("not a prodbench results file"), a file with no
        ``kind``, or a kind this prodbench does not know.

    Examples
    --------
    >>> import json, tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    ...     json.dump({"name": "mine"}, f)
    >>> try:
    ...     read_saved(f.name)
    ... except SchemaError as exc:
    ...     "not a prodbench results file" in str(exc)
    True
    >>> os.unlink(f.name)
    """
    from ..results import load_json

    data = load_json(path)
    if not isinstance(data, dict) or ("kind" not in data and "schema_version" not in data):
        found = "a JSON object" if isinstance(data, dict) else f"a JSON {_json_type(data)}"
        raise SchemaError(
            f"{path!r} is not a prodbench results file: it holds {found} without prodbench's "
            f"'kind' and 'schema_version'. {_SHOW_HINT}"
        )
    kind = data.get("kind")
    if not isinstance(kind, str) or not kind:
        raise SchemaError(
            f"{path!r} has a schema_version but no 'kind', so it is not a complete prodbench "
            f"results file (edited or truncated?). Re-run the command that wrote it. {_SHOW_HINT}"
        )
    if kind not in SAVED_KINDS:
        known = ", ".join(SAVED_KINDS)
        raise SchemaError(
            f"{path!r} holds a {kind!r}, which this prodbench does not read (it reads {known}). "
            "A newer prodbench may have written it: upgrade prodbench (pip install -U "
            "prodbench), or re-run the command that wrote it."
        )
    return kind, data


def _json_type(value: Any) -> str:
    names = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


#: What each command needs, and what it does with it (for "run this instead").
_NEEDS: Mapping[str, tuple[tuple[str, ...], str]] = MappingProxyType(
    {
        "capacity": (("Comparison",), "simulates serving from a saved comparison's latencies"),
        "diff": (("Comparison",), "compares two saved comparisons"),
    }
)

#: kind -> what to run instead of ``capacity``/``diff`` on such a file.
_INSTEAD: Mapping[str, str] = MappingProxyType(
    {
        "Sweep": "A sweep holds one comparison per case: run prodbench compare on the case's "
        "data with --output run.json and pass that file, or view the sweep with "
        "prodbench show {path}",
        "LoadTestResult": "View it with prodbench show {path}; for capacity from measured "
        "latencies run prodbench compare ... --output run.json and pass run.json",
        "Capacity": "It is a capacity already: view it with prodbench show {path}",
        "ModelResult": "Measure the candidates together with prodbench compare ... --output "
        "run.json and pass run.json, or view this one with prodbench show {path}",
    }
)


def load_for(command: str, path: str) -> Any:
    """The saved comparison ``command`` needs from ``path``, or a CLI message naming the file.

    Raises
    ------
    SpecError
        When ``path`` is another prodbench file: what it is and what to run instead.
    SchemaError
        For a file that is not a prodbench results file (see :func:`read_saved`).

    Examples
    --------
    >>> import json, tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    ...     json.dump({"schema_version": 3, "kind": "Capacity"}, f)
    >>> try:
    ...     load_for("capacity", f.name)
    ... except SpecError as exc:
    ...     "is a saved capacity" in str(exc)
    True
    >>> os.unlink(f.name)
    """
    kind, data = read_saved(path)
    needs, does = _NEEDS[command]
    if kind not in needs:
        saved = SAVED_KINDS[kind]
        raise SpecError(
            f"{path!r} is {saved.what} (written by {saved.written_by}), but {command} {does}. "
            + _INSTEAD[kind].format(path=path)
            + "."
        )
    return SAVED_KINDS[kind].load(data)
