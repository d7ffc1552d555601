"""pytest plugin: latency budgets as tests.

Registered through the ``pytest11`` entry point, so it is active wherever
prodbench is installed. It adds:

- the marker ``latency_budget(**limits)`` (``p50``, ``p90``, ``p99``,
  ``p999``, and ``confidence``, ``max_time``, ``method``, ``threads``,
  ``request_format``, ``on_inconclusive``, ``call_timeout``), checked at
  collection;
- the fixture ``latency``, whose ``check(model, X, **limits)`` runs
  :func:`prodbench.testing.check_latency_budget` with the marker's limits
  (keywords override them) and fails the test when a limit is exceeded
  (and, by default, when a limit is still undecided at ``max_time``); with
  no limit from a marker or a keyword it fails the test with a message
  naming ``@pytest.mark.latency_budget(...)``;
- the options ``--latency-scale``, ``--latency-max-time``, ``--latency-skip``
  and ``--latency-inconclusive``. They govern every latency check of the
  session, :func:`prodbench.testing.assert_latency` included: the plugin
  sets the ``PRODBENCH_BUDGET_SCALE``, ``PRODBENCH_MAX_TIME``,
  ``PRODBENCH_LATENCY_SKIP`` and ``PRODBENCH_ON_INCONCLUSIVE`` environment
  variables at configure and restores their previous values at unconfigure
  (an argument given to a check still wins). Under ``--latency-skip`` a check
  is a no-op (its arguments still checked) recorded as skipped, and the
  test goes on;
- a summary table of every check of the session (fixture and
  ``assert_latency``; skipped and errored ones too), percentiles decided on
  fewer samples than they need marked under-sampled;
- ``--latency-json FILE``: every check that ran written as a prodbench
  results file (one candidate per check: samples, limits, decisions,
  environment), so ``prodbench diff OLD.json NEW.json`` puts two CI runs'
  checks side by side;
- with pytest-benchmark and ``--benchmark-json``, every check's percentiles,
  intervals and raw samples under the ``"prodbench"`` key of that file.

Loading and configuring the plugin imports only light modules
(:mod:`prodbench._checklog` and the standard library): numpy, pandas, scipy
and scikit-learn come when a marker is validated, the fixture is used or
:func:`~prodbench.testing.assert_latency` runs, so sessions that do not use
the plugin pay nothing for it (``benchmarks/bench_plugin.py`` measures it).

Examples
--------
.. code-block:: python

    @pytest.mark.latency_budget(p99="5ms")
    def test_ranker_is_fast_enough(latency, fitted_ranker, X_test):
        latency.check(fitted_ranker, X_test)
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from .budget import PERCENTILE_KEYS

if TYPE_CHECKING:
    from ._checklog import CheckEntry
    from .results import LatencyResult
    from .testing import LatencyCheck

__all__ = ["LatencyFixture"]

MARKER = "latency_budget"
PERCENTILES = tuple(PERCENTILE_KEYS)
SETTINGS = (
    "confidence",
    "max_time",
    "method",
    "threads",
    "request_format",
    "on_inconclusive",
    "call_timeout",
)
MARKER_KEYS = PERCENTILES + SETTINGS
XDIST_MESSAGE = (
    "prodbench latency budgets run under pytest-xdist: parallel workers share the CPU and "
    "inflate latency, so budgets may fail that pass in a serial run. Run budget tests with "
    "-p no:xdist (or -n 0), or raise --latency-scale."
)


@dataclass
class _Record:
    nodeid: str
    entry: CheckEntry

    @property
    def check(self) -> LatencyCheck | None:
        return self.entry.check


@dataclass
class _State:
    scale: float | None
    max_time: float | None
    skip: bool
    xdist: bool
    records: list[_Record] = field(default_factory=list)
    warned_xdist: bool = False
    saved_env: dict[str, str | None] = field(default_factory=dict)
    checked: set[str] = field(default_factory=set)
    current: str = ""
    recorder_token: Any = None
    json_path: str | None = None
    wrote_json: bool = False

    def add(self, entry: CheckEntry) -> None:
        """The recorder: every check of the session, with the test it ran in."""
        self.records.append(_Record(self.current, entry))
        self.checked.add(self.current)


_STATE = pytest.StashKey[_State]()


# --------------------------------------------------------------------------- hooks
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("prodbench", "prodbench latency budgets")
    group.addoption(
        "--latency-scale",
        type=float,
        default=None,
        metavar="FLOAT",
        help="Multiply every latency budget by FLOAT (for slower machines); overrides the "
        "PRODBENCH_BUDGET_SCALE environment variable.",
    )
    group.addoption(
        "--latency-reference",
        default=None,
        metavar="FILE",
        help="A latency reference (`python -m prodbench calibrate --output FILE` on the machine "
        "where the budgets were set): every limit is scaled by this machine's calibration "
        "over the reference's, and each check says so; overrides the "
        "PRODBENCH_LATENCY_REFERENCE environment variable.",
    )
    group.addoption(
        "--latency-max-time",
        type=float,
        default=None,
        metavar="SECONDS",
        help="Most seconds each latency budget check samples for, unless the marker or the "
        "check sets max_time (default 10, or PRODBENCH_MAX_TIME).",
    )
    group.addoption(
        "--latency-skip",
        action="store_true",
        default=False,
        help="Turn every latency budget check into a no-op recorded as skipped in the "
        "summary (the rest of the test still runs), for quick local runs; assert_latency "
        "included.",
    )
    group.addoption(
        "--latency-inconclusive",
        choices=("fail", "pass", "skip"),
        default=None,
        help="What a check still undecided at max_time does: fail the test (default), "
        "pass it with a warning, or skip it. Applies to every check in the session, "
        "unless the marker or the check sets on_inconclusive.",
    )
    group.addoption(
        "--latency-json",
        default=None,
        metavar="FILE",
        help="Write every latency check of the session (limits, estimates, intervals, n, "
        "outcome, environment) to FILE as a prodbench results file; compare two runs' "
        "files with `prodbench diff OLD.json NEW.json`.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**limits): latency limits for the `latency` fixture's checks, e.g. "
        f"p99='5ms'; keys: {', '.join(MARKER_KEYS)} (prodbench).",
    )
    scale = config.getoption("latency_scale", None)
    if scale is not None and not (math.isfinite(scale) and scale > 0):
        raise pytest.UsageError(f"--latency-scale must be a positive number, not {scale!r}.")
    from ._checklog import MAX_BUDGET_SCALE

    if scale is not None and scale > MAX_BUDGET_SCALE:
        raise pytest.UsageError(
            f"--latency-scale {scale:g} is above {MAX_BUDGET_SCALE:g}: every latency limit "
            "multiplied by it would pass whatever the model does. Use a factor such as 1.5 "
            "or 3 for a slower machine."
        )
    max_time = config.getoption("latency_max_time", None)
    if max_time is not None and not (math.isfinite(max_time) and max_time > 0):
        raise pytest.UsageError(
            f"--latency-max-time must be a positive number of seconds, not {max_time!r}."
        )
    reference = config.getoption("latency_reference", None)
    if reference is not None:
        from .calibration import load_reference
        from .errors import ProdbenchError

        try:
            load_reference(reference)  # a bad file is a usage error now, not in every test
        except ProdbenchError as exc:
            raise pytest.UsageError(f"--latency-reference: {exc}") from None
        reference = os.path.abspath(reference)
    json_path = config.getoption("latency_json", None)
    if json_path is not None:
        json_path = _check_json_path(json_path)
    state = _State(
        scale=scale,
        max_time=max_time,
        skip=bool(config.getoption("latency_skip", False)),
        xdist=hasattr(config, "workerinput") or "PYTEST_XDIST_WORKER" in os.environ,
        json_path=json_path,
    )
    config.stash[_STATE] = state
    # One session-scoped setting for every check, assert_latency included:
    # environment variables set here and restored at unconfigure. The light
    # module only: configuring a session imports nothing heavy.
    from . import _checklog

    state.recorder_token = _checklog.set_recorder(state.add)
    session_env = {
        _checklog.BUDGET_SCALE_ENV: None if scale is None else repr(float(scale)),
        _checklog.MAX_TIME_ENV: None if max_time is None else repr(float(max_time)),
        _checklog.LATENCY_SKIP_ENV: "1" if state.skip else None,
        _checklog.ON_INCONCLUSIVE_ENV: config.getoption("latency_inconclusive", None),
        "PRODBENCH_LATENCY_REFERENCE": reference,
    }
    for name, value in session_env.items():
        if value is not None:
            state.saved_env[name] = os.environ.get(name)
            os.environ[name] = value
    if config.pluginmanager.hasplugin("benchmark"):
        config.pluginmanager.register(_BenchmarkBridge(), "prodbench-benchmark-bridge")


def _check_json_path(path: str) -> str:
    """The absolute file ``--latency-json`` names, checked at configure (light imports)."""
    from ._fileio import output_target
    from .errors import ProdbenchError

    try:
        target = output_target(path, "--latency-json")
    except ProdbenchError as exc:
        raise pytest.UsageError(str(exc)) from None
    parent = os.path.dirname(target)
    if not os.path.isdir(parent):
        raise pytest.UsageError(
            f"--latency-json {path!r}: the directory {parent!r} does not exist. Create it, "
            "or name a file in an existing directory."
        )
    return target


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write ``--latency-json``: every check of the session as a results file."""
    state = session.config.stash.get(_STATE, None)
    if state is None or state.json_path is None:
        return
    if state.xdist:  # each worker holds only its own checks: none of them writes the file
        return
    if not any(r.check is not None for r in state.records):
        return  # nothing measured: a results file needs one check that ran (said in the summary)
    from ._checkfile import checks_to_comparison
    from ._fileio import write_json_atomic

    cmp = checks_to_comparison([(r.nodeid, r.entry) for r in state.records])
    write_json_atomic(state.json_path, cmp.to_dict())
    state.wrote_json = True


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    if state.recorder_token is not None:
        from . import _checklog

        try:
            _checklog.reset_recorder(state.recorder_token)
        except ValueError:  # configured in another context: drop it there
            _checklog.set_recorder(None)
        state.recorder_token = None
    for name, value in state.saved_env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    state.saved_env.clear()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Remember the running test, so every check is listed under it."""
    state = item.config.stash.get(_STATE, None)
    if state is not None:
        state.current = item.nodeid


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    problems = []
    for item in items:
        for mark in item.iter_markers(MARKER):
            problem = _marker_problem(mark)
            if problem:
                problems.append(f"{item.nodeid}: {problem}")
    if problems:
        raise pytest.UsageError(
            f"Invalid @pytest.mark.{MARKER}:\n  " + "\n  ".join(dict.fromkeys(problems))
        )


def _is_percentile(key: str) -> bool:
    """A percentile limit key, p50 to p99.99 (p95, p999, ...), read by the budget module."""
    from .budget import percentile_of
    from .errors import BudgetError

    try:
        return percentile_of(key) is not None
    except BudgetError:
        return False


def _marker_problem(mark: pytest.Mark) -> str | None:
    if mark.args:
        return (
            f"{MARKER} takes keywords only, e.g. {MARKER}(p99='5ms'); got positional {mark.args!r}."
        )
    unknown = [k for k in mark.kwargs if k not in MARKER_KEYS and not _is_percentile(k)]
    if unknown:
        return (
            f"unknown key(s) {', '.join(map(repr, unknown))} in {MARKER}(...). "
            f"Valid keys: {', '.join(MARKER_KEYS)}, and any percentile from p50 to p99.99 "
            "(p95, p999 for p99.9)."
        )
    from .testing import _bare_number_problem
    from .units import parse_duration

    limits = [k for k in mark.kwargs if _is_percentile(k)]
    for key in limits:
        problem = _bare_number_problem(key, mark.kwargs.get(key))
        if problem is not None:
            return problem
    for key in (*limits, "max_time"):
        if key in mark.kwargs:
            try:
                parse_duration(mark.kwargs[key], require_unit=key != "max_time")
            except ValueError as exc:
                return f"{key}={mark.kwargs[key]!r}: {exc}"
    confidence = mark.kwargs.get("confidence", 0.95)
    if isinstance(confidence, bool) or not (
        isinstance(confidence, int | float) and 0.0 < confidence < 1.0
    ):
        return f"confidence={confidence!r}: use a number between 0 and 1, e.g. 0.95."
    from .models import PREDICT_METHODS

    if mark.kwargs.get("method", "predict") not in PREDICT_METHODS:
        return f"method={mark.kwargs['method']!r}: use one of {', '.join(PREDICT_METHODS)}."
    if mark.kwargs.get("on_inconclusive", "fail") not in ("fail", "pass", "skip"):
        return f"on_inconclusive={mark.kwargs['on_inconclusive']!r}: use 'fail', 'pass' or 'skip'."
    fmt = mark.kwargs.get("request_format", "auto")
    if fmt not in ("auto", "numpy", "pandas"):
        return f"request_format={fmt!r}: use 'auto', 'numpy' or 'pandas'."
    if "call_timeout" in mark.kwargs:
        value = mark.kwargs["call_timeout"]
        if isinstance(value, bool) or not (
            isinstance(value, int | float) and math.isfinite(value) and value > 0
        ):
            return f"call_timeout={value!r}: use a positive number of seconds, e.g. 60."
    if "threads" in mark.kwargs:
        from .timing import check_threads

        try:
            check_threads(mark.kwargs["threads"])
        except ValueError as exc:
            return f"threads={mark.kwargs['threads']!r}: {exc}"
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Fail a test that declares a budget with the marker but never checks it.

    A marker on the test function itself, or any ``latency_budget`` marker on a
    test that requests the ``latency`` fixture, promises a check; a test that
    passes without calling ``latency.check`` would silently guard nothing.
    (A module- or class-level marker only sets defaults for tests that use
    the fixture.)
    """
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not report.passed:
        return
    state = item.config.stash.get(_STATE, None)
    if state is None or item.nodeid in state.checked:
        return
    own = any(m.name == MARKER for m in getattr(item, "own_markers", ()))
    uses_fixture = "latency" in getattr(item, "fixturenames", ())
    if not (own or (uses_fixture and item.get_closest_marker(MARKER) is not None)):
        return
    report.outcome = "failed"
    report.longrepr = (
        f"{item.nodeid}: latency budget declared but never checked: the test carries "
        f"@pytest.mark.{MARKER} but no latency check ran. Request the `latency` fixture and "
        f"call latency.check(model, X), or remove the marker."
    )


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    if state.json_path is not None and not state.wrote_json:
        distributed = bool(config.getoption("numprocesses", None) or state.xdist)
        reason = (
            "the checks ran on pytest-xdist workers, each holding its own (run the latency "
            "checks with -p no:xdist, as for their budgets)"
            if distributed
            else "no latency check ran to a decision"
        )
        terminalreporter.write_line(
            f"prodbench: --latency-json {state.json_path} was not written: {reason}."
        )
    if not state.records:
        return
    terminalreporter.write_sep("-", "prodbench latency budgets")
    for line in _table(state.records):
        terminalreporter.write_line(line)
    if state.wrote_json:
        terminalreporter.write_line(
            f"latency checks written to {state.json_path} (compare two runs with "
            "`prodbench diff OLD.json NEW.json`)"
        )


# --------------------------------------------------------------------------- fixture
class LatencyFixture:
    """What the ``latency`` fixture returns: run budget checks inside a test.

    Examples
    --------
    .. code-block:: python

        @pytest.mark.latency_budget(p99="20ms")
        def test_fast(latency, model, X):
            latency.check(model, X)               # the marker's p99
            latency.check(model, X, p50="5ms")    # p99 from the marker, plus p50
    """

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self._request = request
        self._state = request.config.stash[_STATE]

    @property
    def marker_limits(self) -> dict[str, Any]:
        """The keywords of every ``latency_budget`` marker on the test, closest winning."""
        merged: dict[str, Any] = {}
        for mark in reversed(list(self._request.node.iter_markers(MARKER))):
            merged.update(mark.kwargs)
        return merged

    def check(self, model: Any, X: Any, **limits: Any) -> LatencyResult:
        """Check ``model`` against the marker's limits, overridden by ``limits``.

        Parameters
        ----------
        model : object
            A fitted model.
        X : numpy.ndarray or pandas.DataFrame
            Rows to send as one-row requests.
        **limits
            Any keyword of :func:`prodbench.testing.assert_latency`
            (``p99="5ms"``, ``max_time=1``, ``name="ranker"``, ...).

        Returns
        -------
        LatencyResult
            When the model is within every limit.

        Raises
        ------
        AssertionError
            When a limit is exceeded; the test fails with a readable message.
        LatencyInconclusive
            When a limit is undecided at ``max_time`` and ``on_inconclusive``
            (keyword, marker, ``--latency-inconclusive``) is ``"fail"``, the
            default; ``"skip"`` skips the test, ``"pass"`` passes it with a warning.
        """
        __tracebackhide__ = True
        kwargs = self.marker_limits
        kwargs.update(limits)
        if not any(kwargs.get(key) is not None for key in PERCENTILES):
            pytest.fail(
                f"{self._request.node.nodeid}: the `latency` fixture has no limit to check: "
                f"declare one with @pytest.mark.{MARKER}(p99='5ms') on the test (or its "
                "module or class), or pass one to latency.check(model, X, p99='5ms').",
                pytrace=False,
            )
        from .testing import recorded_check, resolve_on_inconclusive, settle

        state = self._state
        if state.xdist and not state.warned_xdist:
            state.warned_xdist = True
            warnings.warn(pytest.PytestWarning(XDIST_MESSAGE), stacklevel=2)
        # The session's scale, max_time, skip and on_inconclusive arrive through
        # the PRODBENCH_* environment variables (see the module docs).
        policy = resolve_on_inconclusive(kwargs.pop("on_inconclusive", None))
        outcome = recorded_check("fixture", model, X, kwargs)
        if outcome is None:  # --latency-skip: a no-op, the test goes on
            from .results import LatencyResult

            return LatencyResult(samples_ns=_empty_samples(), stop_reason="skipped")
        self._add_benchmark_info(outcome)
        settle(outcome, policy)
        return outcome.result

    def _add_benchmark_info(self, outcome: LatencyCheck) -> None:
        if "benchmark" not in self._request.fixturenames:
            return
        try:
            bench = self._request.getfixturevalue("benchmark")
        except Exception:
            return
        extra = getattr(bench, "extra_info", None)
        if isinstance(extra, dict):
            extra.setdefault("prodbench", []).append(outcome.to_dict(include_samples=False))


def _empty_samples() -> Any:
    import numpy as np

    return np.empty(0, dtype=np.int64)


@pytest.fixture
def latency(request: pytest.FixtureRequest) -> LatencyFixture:
    """Check models against latency budgets: ``latency.check(model, X, p99="5ms")``.

    Limits come from the test's ``@pytest.mark.latency_budget(...)``;
    keywords given to ``check`` override them. A test may check several models.
    """
    return LatencyFixture(request)


# --------------------------------------------------------------------------- pytest-benchmark
class _BenchmarkBridge:
    """Hooks registered only when pytest-benchmark is loaded."""

    @pytest.hookimpl(optionalhook=True)
    def pytest_benchmark_update_json(
        self, config: pytest.Config, benchmarks: Any, output_json: dict[str, Any]
    ) -> None:
        state = config.stash.get(_STATE, None)
        if state is None or not state.records:
            return
        output_json["prodbench"] = [
            {"test": r.nodeid, **r.check.to_dict()} for r in state.records if r.check is not None
        ]

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Any:
        # pytest-benchmark writes nothing when no `benchmark` fixture ran; write the
        # file ourselves then, through its own hooks, so budget checks still land.
        config = session.config
        state = config.stash.get(_STATE, None)
        bench = getattr(config, "_benchmarksession", None)
        if (
            state is not None
            and any(r.check is not None for r in state.records)
            and bench is not None
            and getattr(bench, "json", None)
            and not getattr(bench, "benchmarks", None)
        ):
            commit_info = config.hook.pytest_benchmark_generate_commit_info(config=config)
            config.hook.pytest_benchmark_update_commit_info(config=config, commit_info=commit_info)
            output_json = config.hook.pytest_benchmark_generate_json(
                config=config,
                benchmarks=[],
                include_data=True,
                machine_info=bench.get_machine_info(),
                commit_info=commit_info,
            )
            config.hook.pytest_benchmark_update_json(
                config=config, benchmarks=[], output_json=output_json
            )
            bench.save_json(output_json)
            bench.json = None
        yield


# --------------------------------------------------------------------------- summary table
_HEADER = ("test", "check", "model", "pct", "measured", "interval", "budget", "result")
_SOURCES = {"fixture": "fixture", "assert_latency": "assert"}


def _table(records: list[_Record]) -> list[str]:
    """Every check of the session: one row per limit; skipped and errored checks too.

    A percentile decided on fewer samples than it needs (the rule of
    :meth:`prodbench.results.LatencyResult.undersampled`) carries the
    under-sampled mark, explained under the table.
    """
    from .budget import PERCENTILE_KEYS as KEYS
    from .budget import UNDERSAMPLED_MARK, format_confidence
    from .units import format_duration

    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for r in records:
        e = r.entry
        via = _SOURCES.get(e.source, e.source)
        c = e.check
        if c is None:
            keys = list(e.limits) or ["-"]
            for key in keys:
                limit = e.limits.get(key)
                budget = "-" if limit is None else format_duration(limit, trim=True)
                rows.append((r.nodeid, via, e.name, key, "-", "-", budget, e.outcome.upper()))
            if e.outcome == "error" and e.error:
                notes.append(f"{r.nodeid}: {e.name}: {e.error}")
            continue
        for key, bc in c.checks.items():
            needed = _required(KEYS[key])
            mark = UNDERSAMPLED_MARK if bc.n < needed else ""
            if mark:
                notes.append(
                    f"{UNDERSAMPLED_MARK} {r.nodeid}: {c.name} {key} under-sampled: "
                    f"n={bc.n:,} < {needed:,} needed; the decision holds at its confidence, "
                    f"but the estimate is near the slowest call, not a reliable {key}."
                )
            rows.append(
                (
                    r.nodeid,
                    via,
                    c.name,
                    key,
                    format_duration(bc.value) + mark,
                    f"{format_duration(bc.low)}-{format_duration(bc.high)} "
                    f"({format_confidence(bc.confidence)}, n={bc.n:,})",
                    format_duration(bc.limit, trim=True),
                    c.verdict(key).upper(),
                )
            )
    widths = [max(len(row[i]) for row in [_HEADER, *rows]) for i in range(len(_HEADER))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()

    return [line(_HEADER), *(line(row) for row in rows), *notes]


def _required(q: float) -> int:
    from .stats import required_samples

    return required_samples(q, 0.99)
