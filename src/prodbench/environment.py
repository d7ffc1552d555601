"""The machine and software a measurement ran on.

Latency numbers mean little without the machine behind them, so every result
carries :func:`collect_environment`'s dictionary: versions, CPU, cores, the
native thread pools (via threadpoolctl), the load average and the timer.
Only the standard library and threadpoolctl are imported here; package
versions are read from their installed metadata, without importing them.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib.metadata
import os
import platform
import time
from datetime import datetime, timezone
from typing import Any

import threadpoolctl

__all__ = [
    "THREAD_ENV_VARS",
    "collect_environment",
    "describe_thread_policy",
    "json_safe",
    "machine_snapshot",
    "summarize_environment",
]

_PACKAGES: tuple[str, ...] = (
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "joblib",
    "threadpoolctl",
    "prodbench",
)
THREAD_ENV_VARS: tuple[str, ...] = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
"""Environment variables that size native thread pools, recorded for every case of a sweep.

The first three are the ones the Dask nanny sets to 1 by default.
"""

_ENV_VARS: tuple[str, ...] = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_CORETYPE",
)
# The native-library settings every result records (``env_vars``): thread counts
# and OpenBLAS's kernel choice. Not THREAD_ENV_VARS: saved results list these
# keys in this order, and OPENBLAS_CORETYPE is no thread count.
_NOT_INSTALLED = "not installed"


def json_safe(value: Any) -> Any:
    """Turn ``value`` into plain JSON types (str for anything unknown).

    Parameters
    ----------
    value : object
        Nested dicts, lists, tuples and sets of numbers, strings and the like.

    Returns
    -------
    object
        The same structure with only dicts, lists, str, int, float (finite),
        bool and None: NaN and infinities become strings, numpy scalars plain
        numbers, anything else its ``str``.

    Examples
    --------
    >>> json_safe({"a": (1, float("nan")), 2: {3}})
    {'a': [1, 'nan'], '2': [3]}
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    # numpy scalars and the like
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return json_safe(item())
        except (TypeError, ValueError):
            pass
    return str(value)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                key, sep, value = line.partition(":")
                if sep and key.strip() in ("model name", "Model Name") and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        if name == "prodbench":
            try:
                from prodbench._version import __version__
            except ImportError:  # pragma: no cover - only outside the package
                return _NOT_INSTALLED
            return __version__
        return _NOT_INSTALLED


@functools.lru_cache(maxsize=1)
def _static_environment() -> dict[str, Any]:
    """The parts that cannot change while the process runs, read once."""
    timer = time.get_clock_info("perf_counter")
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "packages": {name: _package_version(name) for name in _PACKAGES},
        "timer": {
            "implementation": timer.implementation,
            "resolution": timer.resolution,
            "monotonic": timer.monotonic,
        },
    }


def _usable_cores() -> int | None:
    getaffinity = getattr(os, "sched_getaffinity", None)
    if getaffinity is None:
        return None
    try:
        return len(getaffinity(0))
    except OSError:  # pragma: no cover - exotic platforms
        return None


def _load_average() -> list[float] | None:
    try:
        return [float(v) for v in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _cpu_ticks() -> list[int] | None:
    """``[total, steal]`` CPU ticks since boot from ``/proc/stat`` (None where it has no steal)."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    try:
        ticks = [int(v) for v in fields[1:]]
    except ValueError:
        return None
    # user nice system idle iowait irq softirq steal [guest guest_nice]: guests are in user
    return [sum(ticks[:8]), ticks[7]]


def machine_snapshot() -> dict[str, Any]:
    """The machine's load now: the load average and, where ``/proc/stat`` has them, CPU ticks.

    Taken before and after a candidate's latency phase;
    :func:`prodbench.noise.noise_record` turns two of them into the load
    before and after and the fraction of CPU time stolen between them.

    Returns
    -------
    dict
        ``load_average`` (three floats, or None) and ``cpu_ticks``
        (``[total, steal]``, or None).

    Examples
    --------
    >>> sorted(machine_snapshot())
    ['cpu_ticks', 'load_average']
    """
    return {"load_average": _load_average(), "cpu_ticks": _cpu_ticks()}


def _threadpools() -> list[Any]:
    # numpy brings the BLAS pool; import it (cheap once loaded) so that a
    # standalone call reports it too. Other libraries show once imported.
    with contextlib.suppress(ImportError):
        import numpy  # noqa: F401
    try:
        info = threadpoolctl.threadpool_info()
    except Exception as exc:  # threadpoolctl inspects native libraries; never fail here
        return [{"error": f"{type(exc).__name__}: {exc}"}]
    safe = json_safe(info)
    return safe if isinstance(safe, list) else []


def collect_environment(
    model: object | None = None,
    *,
    threads: int | None = None,
    gc_policy: str = "enabled",
) -> dict[str, object]:
    """Describe the machine, software and settings of a measurement.

    The static parts (versions, CPU, timer) are read once per process; the
    load average, thread pools, environment variables and timestamp are read
    on every call, which stays well under 100 ms after the first one.

    Parameters
    ----------
    model : object, optional
        The measured model; its top-level ``n_jobs`` (if any) is recorded.
    threads : int, optional
        The thread limit applied while timing (None: no limit).
    gc_policy : str, default "enabled"
        The garbage-collector policy applied while timing.

    Returns
    -------
    dict
        A JSON-serialisable dictionary with the keys ``python``,
        ``implementation``, ``platform``, ``machine``, ``cpu_model``,
        ``logical_cores``, ``usable_cores``, ``load_average``, ``packages``,
        ``threadpools``, ``model_n_jobs``, ``thread_limit``, ``gc_policy``,
        ``timer``, ``timestamp`` and ``env_vars``; for a model compiled by
        :mod:`prodbench.runtimes`, also ``runtime`` (its runtime, threads and versions),
        since threadpoolctl does not reach ONNX Runtime's or treelite's threads.

    Notes
    -----
    ``threadpools`` lists only the native libraries loaded so far (BLAS
    comes with numpy, OpenMP with scikit-learn's compiled estimators), so
    call this after the model has been imported and fitted.

    Examples
    --------
    >>> import json
    >>> env = collect_environment(threads=1)
    >>> env["thread_limit"], "numpy" in env["packages"]
    (1, True)
    >>> _ = json.dumps(env)
    """
    env: dict[str, object] = copy.deepcopy(_static_environment())
    env["usable_cores"] = _usable_cores()
    env["load_average"] = _load_average()
    env["threadpools"] = _threadpools()
    env["model_n_jobs"] = None if model is None else json_safe(getattr(model, "n_jobs", None))
    env["thread_limit"] = threads
    env["gc_policy"] = gc_policy
    env["timestamp"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    env["env_vars"] = {name: os.environ[name] for name in _ENV_VARS if name in os.environ}
    runtime = getattr(model, "runtime_info", None)
    if isinstance(runtime, dict):  # a compiled model (prodbench.runtimes): its own threads
        env["runtime"] = json_safe(runtime)
    return env


def summarize_environment(env: dict[str, Any]) -> str:
    """Say in one line what a result was measured on, for report footers.

    Missing keys (an older or hand-made dictionary) are left out rather than
    failing.

    Parameters
    ----------
    env : dict
        As returned by :func:`collect_environment`.

    Returns
    -------
    str
        For example ``"Python 3.11.7, scikit-learn 1.9.1, numpy 2.4.6 on
        Intel(R) Xeon(R) CPU (2 logical cores), load 0.52"``.

    Examples
    --------
    >>> summarize_environment({
    ...     "python": "3.11.7",
    ...     "packages": {"scikit-learn": "1.9.1", "numpy": "2.4.6"},
    ...     "cpu_model": "Example CPU",
    ...     "logical_cores": 2,
    ...     "load_average": [0.52, 0.4, 0.3],
    ... })
    'Python 3.11.7, scikit-learn 1.9.1, numpy 2.4.6 on Example CPU (2 logical cores), load 0.52'
    """
    software: list[str] = []
    if env.get("python"):
        impl = env.get("implementation")
        prefix = impl if impl and impl != "CPython" else "Python"
        software.append(f"{prefix} {env['python']}")
    packages = env.get("packages")
    if isinstance(packages, dict):
        for name in ("scikit-learn", "numpy"):
            version = packages.get(name)
            if version and version != _NOT_INSTALLED:
                software.append(f"{name} {version}")
    text = ", ".join(software) or "unknown software"

    cpu = env.get("cpu_model") or env.get("machine") or "unknown CPU"
    cores = env.get("logical_cores")
    usable = env.get("usable_cores")
    if isinstance(cores, int):
        if isinstance(usable, int) and usable < cores:
            cpu = f"{cpu} ({usable} of {cores} logical cores usable)"
        else:
            cpu = f"{cpu} ({cores} logical {'core' if cores == 1 else 'cores'})"
    text = f"{text} on {cpu}"

    policy = env.get("thread_policy")
    limit = env.get("thread_limit")
    if isinstance(policy, dict) and policy:
        text += ", " + describe_thread_policy(policy)
    elif isinstance(limit, int):
        text += f", threads limited to {limit}"
    load = env.get("load_average")
    if isinstance(load, list | tuple) and load:
        with contextlib.suppress(TypeError, ValueError):
            text += f", load {float(load[0]):.2f}"
    noise = env.get("noise")
    if isinstance(noise, dict):  # measured around the latency phase (older files: absent)
        with contextlib.suppress(TypeError, ValueError):
            before, after = noise.get("load_before"), noise.get("load_after")
            if before is not None and after is not None:
                text += f" (latency phase {float(before):.2f} -> {float(after):.2f})"
            if noise.get("steal") is not None:
                text += f", CPU steal {float(noise['steal']):.0%}"
            if noise.get("block_median_spread") is not None:
                text += f", block medians spread {float(noise['block_median_spread']):.0%}"
    return text


def describe_thread_policy(policy: dict[str, Any]) -> str:
    """Say in words which native thread limit each phase ran with.

    Parameters
    ----------
    policy : dict
        Phase name -> limit (None: the machine's threads), as recorded in
        ``environment["thread_policy"]`` and ``options["thread_policy"]``.

    Examples
    --------
    >>> describe_thread_policy({"fit": None, "score": None, "throughput": None,
    ...                         "cold_start": 1, "latency": 1})
    'threads: latency and cold start 1, fits and throughput the machine's'
    >>> describe_thread_policy(dict.fromkeys(["fit", "latency"], 2))
    'threads: 2 in every phase'
    """
    one = policy.get("latency")
    bulk = policy.get("throughput", policy.get("fit"))
    if len(set(map(repr, policy.values()))) == 1:
        return (
            "threads: machine's in every phase" if one is None else f"threads: {one} in every phase"
        )

    def words(value: Any) -> str:
        return "the machine's" if value is None else str(value)

    return f"threads: latency and cold start {words(one)}, fits and throughput {words(bulk)}"
