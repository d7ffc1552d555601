"""Optional packages an option needs, checked right after parsing, before anything is measured.

``--runtime onnx`` without ONNX Runtime used to measure every candidate,
then print the same "needs the package" paragraph once per candidate and
exit 0. Now the option is refused at once: one paragraph naming the package
and the ``pip install`` line, exit 2 (a :class:`MissingDependencyError`).
``--runtime auto`` needs one of the compiled runtimes; with only one
installed it goes on with that one and says so once. (``--plot`` is checked
with the output paths, in ``_common._check_plot_path``.)
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Sequence

from ..errors import MissingDependencyError

#: compiled runtime -> the modules it imports, and the extra that installs them.
RUNTIME_PACKAGES: dict[str, tuple[tuple[str, ...], str]] = {
    "onnx": (("skl2onnx", "onnxruntime"), "onnx"),
    "treelite": (("treelite",), "treelite"),
}
SCHEDULER_PACKAGES: tuple[tuple[str, ...], str] = (("distributed",), "dask")


def unavailable(module: str) -> str | None:
    """Why ``module`` cannot be imported (None when it imports).

    A module not installed is found absent without importing anything; an
    installed one is imported (it will be anyway), so a broken install is
    caught here too.

    Examples
    --------
    >>> unavailable("json") is None
    True
    >>> unavailable("no_such_module_here")
    'not installed'
    """
    if module in sys.modules:
        return "blocked from import" if sys.modules[module] is None else None
    try:
        if importlib.util.find_spec(module) is None:
            return "not installed"
        importlib.import_module(module)
    except ImportError as exc:
        return f"does not import: {' '.join(str(exc).split())[:200]}"
    except ValueError:  # a module whose spec is missing
        return "not importable"
    return None


def _missing(modules: Sequence[str]) -> list[tuple[str, str]]:
    # Absent ones first, without importing anything: the common case answers at once.
    absent = [(m, why) for m in modules if (why := _absent(m)) is not None]
    if absent:
        return absent
    return [(m, why) for m in modules if (why := unavailable(m)) is not None]


def _absent(module: str) -> str | None:
    if module in sys.modules:
        return "blocked from import" if sys.modules[module] is None else None
    try:
        return "not installed" if importlib.util.find_spec(module) is None else None
    except (ImportError, ValueError):
        return "not importable"


def _install(extra: str) -> str:
    return f'pip install "prodbench[{extra}]"'


def check_runtimes(runtimes: Sequence[str]) -> list[str]:
    """Refuse ``--runtime`` when a runtime's package is missing; the warnings to print once.

    Parameters
    ----------
    runtimes : sequence of str
        As ``--runtime`` parsed them (``("sklearn", "onnx")``, ``("sklearn", "auto")``).

    Returns
    -------
    list of str
        For ``auto`` with one runtime missing, one warning saying which is tried.

    Raises
    ------
    MissingDependencyError
        A named runtime's package is missing, or ``auto`` finds none of them.

    Examples
    --------
    >>> check_runtimes(("sklearn",))
    []
    """
    compiled = [r for r in runtimes if r != "sklearn"]
    if compiled == ["auto"]:
        missing = {r: _missing(mods) for r, (mods, _) in RUNTIME_PACKAGES.items() if _missing(mods)}
        if len(missing) == len(RUNTIME_PACKAGES):
            lines = "; ".join(
                f"{r} needs {_names(m)} ({_install(RUNTIME_PACKAGES[r][1])})"
                for r, m in missing.items()
            )
            raise MissingDependencyError(
                f"--runtime auto picks among the compiled runtimes, and none is installed: "
                f"{lines}. Install one (or both) and run again, or drop --runtime. Nothing "
                "was measured."
            )
        return [
            f"--runtime auto: {r} is not available ({_names(m)}; {_install(RUNTIME_PACKAGES[r][1])}"
            f"), so only {', '.join(x for x in RUNTIME_PACKAGES if x not in missing)} is tried"
            for r, m in missing.items()
        ]
    # Every runtime's absent packages first (no import), then the imports of the present ones.
    order = sorted(compiled, key=lambda r: not any(_absent(m) for m in RUNTIME_PACKAGES[r][0]))
    for runtime in order:
        modules, extra = RUNTIME_PACKAGES[runtime]
        missing_here = _missing(modules)
        if missing_here:
            raise MissingDependencyError(
                f"--runtime {runtime} needs {_names(missing_here)}. Install it with "
                f"{_install(extra)}, or drop {runtime} from --runtime. Nothing was measured."
            )
    return []


def check_scheduler(scheduler: str | None) -> None:
    """Refuse ``--scheduler`` when dask.distributed is missing.

    Examples
    --------
    >>> check_scheduler(None)
    """
    if not scheduler:
        return
    modules, extra = SCHEDULER_PACKAGES
    missing = _missing(modules)
    if missing:
        raise MissingDependencyError(
            f"--scheduler {scheduler} runs the cases on Dask and needs {_names(missing)}. "
            f"Install it with {_install(extra)}, or drop --scheduler to run the cases one "
            "after another here. Nothing was measured."
        )


def _names(missing: Sequence[tuple[str, str]]) -> str:
    return " and ".join(f"the package {m!r} ({why})" for m, why in missing)
