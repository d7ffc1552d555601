"""The options of a run: one list of names, one builder, equal defaults everywhere."""

from __future__ import annotations

import inspect
from dataclasses import MISSING, fields
from itertools import combinations
from typing import Any

import pytest

import prodbench as pb
import prodbench.testing as pbt
from prodbench import runtimes
from prodbench.engine import options as engine_options
from prodbench.engine.options import NAMES, _check_options, _check_runtimes, _Options
from prodbench.errors import DataError

# Where a shared keyword may keep a different default, and why. Each entry is
# checked to still differ, so the list stays exact.
DIFFERENT_DEFAULTS = {
    # sweep()'s progress is a per-case callback (a compare() progress does not
    # travel to Dask workers); the options it forwards are compare()'s own.
    ("sweep", "progress"),
    # A test's max_time comes from the session (PRODBENCH_MAX_TIME, else 10 s).
    ("assert_latency", "max_time"),
    ("check_latency_budget", "max_time"),
}

PUBLIC = {
    "measure": pb.measure,
    "compare": pb.compare,
    "sweep": pb.sweep,
    "assert_latency": pbt.assert_latency,
    "check_latency_budget": pbt.check_latency_budget,
}


def _keywords(func: Any) -> dict[str, Any]:
    return {
        name: p.default
        for name, p in inspect.signature(func).parameters.items()
        if p.kind is p.KEYWORD_ONLY
    }


@pytest.mark.parametrize(("a", "b"), list(combinations(PUBLIC, 2)))
def test_shared_keywords_have_equal_defaults(a: str, b: str) -> None:
    ka, kb = _keywords(PUBLIC[a]), _keywords(PUBLIC[b])
    for name in sorted(set(ka) & set(kb)):
        allowed = {(a, name), (b, name)} & DIFFERENT_DEFAULTS
        if len(allowed) == 1:  # one side keeps its own default
            assert ka[name] != kb[name], f"{name}: drop {allowed} from DIFFERENT_DEFAULTS"
        else:
            assert ka[name] == kb[name], f"{a}({name}={ka[name]!r}) vs {b}({name}={kb[name]!r})"


def test_the_option_names_are_keywords_of_measure_and_compare() -> None:
    assert tuple(f.name for f in fields(_Options)) == NAMES
    assert set(NAMES) <= set(_keywords(pb.measure))
    assert set(NAMES) <= set(_keywords(pb.compare))


def test_the_option_defaults_match_the_public_ones() -> None:
    measure = _keywords(pb.measure)
    for f in fields(_Options):
        if f.default is not MISSING:
            assert measure[f.name] == f.default, f.name
    assert measure["batch_sizes"] == engine_options.DEFAULT_BATCH_SIZES
    assert measure["call_timeout"] == engine_options.DEFAULT_CALL_TIMEOUT


def test_the_check_names_are_the_keywords_of_a_latency_check() -> None:
    check = _keywords(pbt.check_latency_budget)
    assert set(pbt._CHECK_NAMES) == set(check)
    assert set(pbt._CHECK_NAMES) <= set(_keywords(pbt.assert_latency))


def test_from_kwargs_reads_the_names_and_ignores_the_rest() -> None:
    given = {**_keywords(pb.measure), "max_time": "500ms", "batch_sizes": (10, 1, 10)}
    options = _Options.from_kwargs({**given, "unrelated": object()})
    assert options == _check_options(**{name: given[name] for name in NAMES})
    assert options.max_time == 0.5
    assert options.batch_sizes == (1, 10)


def test_from_kwargs_validates_once() -> None:
    given = {**_keywords(pb.compare), "precision": 2.0}
    with pytest.raises(DataError, match="precision must be between 0 and 1"):
        _Options.from_kwargs(given)
    with pytest.raises(KeyError):
        _Options.from_kwargs({"method": "predict"})


def test_runtime_names_come_from_runtimes() -> None:
    assert _check_runtimes(runtimes.RUNTIMES) == runtimes.RUNTIMES
    with pytest.raises(DataError, match="Unknown runtime"):
        _check_runtimes(("sklearn", "tvm"))


def test_the_old_import_paths_still_work() -> None:
    from prodbench import pipeline, progress
    from prodbench.engine.candidate import _Candidate
    from prodbench.engine.isolated import _remote_step

    assert pipeline.ProgressEvent is progress.ProgressEvent
    assert pipeline.ProgressCallback is progress.ProgressCallback
    assert pipeline._Candidate is _Candidate
    assert pipeline._remote_step is _remote_step
    assert pipeline.DEFAULT_BATCH_SIZES == (1, 10, 100, 1000)


def test_the_sweep_options_are_the_keywords_of_compare() -> None:
    # sweep(**options) takes compare's keywords but the data, the budget and the callbacks
    from prodbench.pipeline import COMPARE_OPTIONS

    keywords = set(inspect.signature(pb.compare).parameters)
    not_passed_on = {"candidates", "X", "y", "X_test", "y_test", "budget"}
    callbacks = {"progress", "on_result", "on_failure"}
    assert set(COMPARE_OPTIONS) == keywords - not_passed_on - callbacks
    assert len(COMPARE_OPTIONS) == len(set(COMPARE_OPTIONS))
