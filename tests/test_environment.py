"""Tests of prodbench.environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from typing import Any

import pytest

from prodbench.environment import collect_environment, summarize_environment

KEYS = {
    "python",
    "implementation",
    "platform",
    "machine",
    "cpu_model",
    "logical_cores",
    "usable_cores",
    "load_average",
    "packages",
    "threadpools",
    "model_n_jobs",
    "thread_limit",
    "gc_policy",
    "timer",
    "timestamp",
    "env_vars",
}


class _Model:
    n_jobs = 4

    def fit(self, X: object, y: object) -> _Model:
        return self


def test_keys_present_and_json_serialisable() -> None:
    env = collect_environment()
    assert set(env) == KEYS
    json.dumps(env)
    assert env["python"] == ".".join(map(str, sys.version_info[:3]))
    assert env["gc_policy"] == "enabled"
    assert env["thread_limit"] is None
    assert env["model_n_jobs"] is None
    assert isinstance(env["cpu_model"], str) and env["cpu_model"]


def test_packages() -> None:
    packages = collect_environment()["packages"]
    assert isinstance(packages, dict)
    assert set(packages) == {
        "numpy",
        "scipy",
        "pandas",
        "scikit-learn",
        "joblib",
        "threadpoolctl",
        "prodbench",
    }
    import sklearn

    assert packages["scikit-learn"] == sklearn.__version__
    assert all(isinstance(v, str) and v for v in packages.values())


def test_arguments_recorded() -> None:
    env = collect_environment(_Model(), threads=2, gc_policy="disabled")
    assert env["model_n_jobs"] == 4
    assert env["thread_limit"] == 2
    assert env["gc_policy"] == "disabled"
    assert collect_environment(object())["model_n_jobs"] is None


def test_cores_timer_timestamp_and_threadpools() -> None:
    env = collect_environment()
    cores = env["logical_cores"]
    assert isinstance(cores, int) and cores >= 1
    usable = env["usable_cores"]
    assert usable is None or (isinstance(usable, int) and 1 <= usable <= cores)
    load = env["load_average"]
    assert load is None or (isinstance(load, list) and len(load) == 3)
    timer = env["timer"]
    assert isinstance(timer, dict)
    assert timer["resolution"] > 0
    assert isinstance(timer["implementation"], str)
    stamp = datetime.fromisoformat(str(env["timestamp"]))
    offset = stamp.utcoffset()
    assert offset is not None
    assert offset.total_seconds() == 0
    pools = env["threadpools"]
    assert isinstance(pools, list)
    assert any(p.get("user_api") == "blas" for p in pools)  # numpy's BLAS is reported


def test_env_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    env_vars = collect_environment()["env_vars"]
    assert isinstance(env_vars, dict)
    assert env_vars["OMP_NUM_THREADS"] == "3"
    assert "MKL_NUM_THREADS" not in env_vars


def test_calls_are_independent_copies() -> None:
    a: dict[str, Any] = collect_environment()
    a["packages"]["numpy"] = "mutated"
    b: dict[str, Any] = collect_environment()
    assert b["packages"]["numpy"] != "mutated"


def test_cheap_after_first_call() -> None:
    collect_environment()
    start = time.perf_counter()
    for _ in range(5):
        collect_environment()
    assert (time.perf_counter() - start) / 5 < 0.1


def test_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, prodbench.environment\n"
        "heavy = [m for m in ('numpy', 'pandas', 'sklearn', 'scipy') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == ""


def test_summarize_real_environment() -> None:
    env: dict[str, Any] = collect_environment()
    line = summarize_environment(env)
    assert "\n" not in line
    assert line.startswith(f"Python {env['python']}")
    assert f"scikit-learn {env['packages']['scikit-learn']}" in line
    assert f"numpy {env['packages']['numpy']}" in line
    assert str(env["cpu_model"]) in line
    assert "logical core" in line


def test_summarize_example() -> None:
    env = {
        "python": "3.11.7",
        "implementation": "CPython",
        "packages": {"scikit-learn": "1.9.1", "numpy": "2.4.6"},
        "cpu_model": "Intel(R) Xeon(R) CPU",
        "logical_cores": 2,
        "usable_cores": 2,
        "load_average": [0.523, 0.4, 0.3],
    }
    assert summarize_environment(env) == (
        "Python 3.11.7, scikit-learn 1.9.1, numpy 2.4.6 on Intel(R) Xeon(R) CPU "
        "(2 logical cores), load 0.52"
    )


def test_summarize_usable_threads_and_missing_keys() -> None:
    env = {
        "python": "3.11.7",
        "cpu_model": "CPU",
        "logical_cores": 8,
        "usable_cores": 2,
        "thread_limit": 1,
        "load_average": None,
    }
    line = summarize_environment(env)
    assert line == "Python 3.11.7 on CPU (2 of 8 logical cores usable), threads limited to 1"
    assert summarize_environment({}) == "unknown software on unknown CPU"
