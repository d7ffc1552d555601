"""The pytest plugin: marker, `latency` fixture, options, summary, pytest-benchmark bridge.

Inner sessions run in-process with pytester. Their fake models busy-wait
with latencies far from the limits (0.2 ms against 2 ms at the median), so
the outcomes hold on a noisy shared machine.
"""

from __future__ import annotations

import json
from typing import Any

import numpy  # noqa: F401  (imported once here: in-process inner sessions cannot re-import it)
import pytest

import prodbench.testing  # noqa: F401  (same reason: keep heavy modules loaded across runs)

pytest_plugins = ["pytester"]

CONFTEST = """
import time

import numpy as np
import pytest


class Fake:
    def __init__(self, ns):
        self.ns = ns

    def predict(self, X):
        end = time.perf_counter_ns() + self.ns
        while time.perf_counter_ns() < end:
            pass
        return X[:, 0]


@pytest.fixture
def X():
    return np.zeros((20, 3))


@pytest.fixture
def fast():
    return Fake(200_000)      # 0.2 ms


@pytest.fixture
def slow():
    return Fake(2_000_000)    # 2 ms
"""

FAST = ["--latency-max-time=0.5", "--strict-markers", "-p", "no:cacheprovider"]


@pytest.fixture
def tester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("PRODBENCH_BUDGET_SCALE", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    pytester.makeconftest(CONFTEST)
    return pytester


def test_passing_budget_with_strict_markers(tester: pytest.Pytester) -> None:
    tester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_budget(p50="2ms")
        def test_fast(latency, fast, X):
            result = latency.check(fast, X)
            assert result.n > 0
        """
    )
    res = tester.runpytest(*FAST)
    res.assert_outcomes(passed=1)
    res.stdout.fnmatch_lines(["*prodbench latency budgets*", "*test_fast*Fake*p50*2 ms*PASS*"])


def test_failing_budget_fails_the_test_not_the_session(tester: pytest.Pytester) -> None:
    tester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_budget(p50="200us")
        def test_slow(latency, slow, X):
            latency.check(slow, X)

        def test_other():
            pass
        """
    )
    res = tester.runpytest(*FAST)
    res.assert_outcomes(passed=1, failed=1)
    res.stdout.fnmatch_lines(
        [
            "E*AssertionError: Fake p50 = * ms (*% CI *, n=*) exceeds budget 200 µs",
            "E*p50 * | p90 * | p99 * | max *",
        ]
    )
    res.stdout.fnmatch_lines(["*test_slow*Fake*p50*200 µs*FAIL*"])


INCONCLUSIVE = """
import pytest

@pytest.mark.latency_budget(p99="50ms", max_time=0.1)
def test_short(latency, slow, X):
    latency.check(slow, X)
"""


def test_inconclusive_fails_by_default(tester: pytest.Pytester) -> None:
    tester.makepyfile(INCONCLUSIVE)
    res = tester.runpytest(*FAST)
    res.assert_outcomes(failed=1)
    res.stdout.fnmatch_lines(
        ["*LatencyInconclusive: INCONCLUSIVE: Fake p99 = *would likely decide it*"]
    )
    res.stdout.fnmatch_lines(["*test_short*p99*INCONCLUSIVE*"])


def test_latency_inconclusive_option(tester: pytest.Pytester) -> None:
    tester.makepyfile(INCONCLUSIVE)
    res = tester.runpytest(*FAST, "--latency-inconclusive=pass")
    res.assert_outcomes(passed=1, warnings=1)
    res.stdout.fnmatch_lines(["*LatencyInconclusiveWarning*"])
    res = tester.runpytest(*FAST, "--latency-inconclusive=skip", "-rs")
    res.assert_outcomes(skipped=1)
    res.stdout.fnmatch_lines(["*SKIPPED*INCONCLUSIVE: Fake p99*"])
    res = tester.runpytest(*FAST, "--latency-inconclusive=maybe")
    assert res.ret == pytest.ExitCode.USAGE_ERROR


ASSERT_LATENCY = """
from prodbench.testing import assert_latency

def test_direct(slow, X):
    assert_latency(slow, X, p50="100us", max_time=0.5)
"""


def test_session_options_govern_assert_latency(tester: pytest.Pytester) -> None:
    import os

    tester.makepyfile(ASSERT_LATENCY)
    tester.runpytest(*FAST).assert_outcomes(failed=1)  # 2 ms against 100 us
    tester.runpytest(*FAST, "--latency-scale", "200").assert_outcomes(passed=1)  # 20 ms
    res = tester.runpytest(*FAST, "--latency-skip")
    res.assert_outcomes(passed=1)  # a no-op: the test goes on
    res.stdout.fnmatch_lines(["*test_direct*assert*Fake*p50*-*-*100 µs*SKIPPED"])
    # the session's settings are restored when it ends
    assert "PRODBENCH_BUDGET_SCALE" not in os.environ
    assert "PRODBENCH_LATENCY_SKIP" not in os.environ


def test_session_settings_restore_previous_values(
    tester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    tester.makepyfile(ASSERT_LATENCY)
    monkeypatch.setenv("PRODBENCH_BUDGET_SCALE", "3")
    tester.runpytest(*FAST, "--latency-scale", "200").assert_outcomes(passed=1)
    assert os.environ["PRODBENCH_BUDGET_SCALE"] == "3"


def test_unknown_marker_key_is_a_clear_error(tester: pytest.Pytester) -> None:
    tester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_budget(p99_9="5ms")
        def test_typo(latency, fast, X):
            latency.check(fast, X)

        @pytest.mark.latency_budget(p99="5 parsecs")
        def test_bad_value(latency, fast, X):
            latency.check(fast, X)
        """
    )
    res = tester.runpytest(*FAST)
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines(
        [
            "*test_typo*unknown key(s) 'p99_9'*Valid keys: p50, p90, p99, p999, confidence*",
            "*test_bad_value*p99='5 parsecs'*unit*",
        ]
    )


SCALED = """
import pytest

@pytest.mark.latency_budget(p50="500us")
def test_scaled(latency, slow, X):
    latency.check(slow, X)
"""


def test_latency_scale_option(tester: pytest.Pytester) -> None:
    tester.makepyfile(SCALED)
    tester.runpytest(*FAST).assert_outcomes(failed=1)
    res = tester.runpytest(*FAST, "--latency-scale=20")
    res.assert_outcomes(passed=1)
    res.stdout.fnmatch_lines(["*test_scaled*p50*10 ms*PASS*"])


def test_scale_environment_variable_and_option_wins(
    tester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    tester.makepyfile(SCALED)
    monkeypatch.setenv("PRODBENCH_BUDGET_SCALE", "20")
    tester.runpytest(*FAST).assert_outcomes(passed=1)
    tester.runpytest(*FAST, "--latency-scale=0.5").assert_outcomes(failed=1)


def test_latency_skip(tester: pytest.Pytester) -> None:
    tester.makepyfile(SCALED)
    res = tester.runpytest(*FAST, "--latency-skip")
    res.assert_outcomes(passed=1)
    res.stdout.fnmatch_lines(["*test_scaled*fixture*Fake*p50*-*-*500 µs*SKIPPED"])


def test_summary_table_lists_every_check(tester: pytest.Pytester) -> None:
    tester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_budget(p50="2ms", p90="1s")
        def test_two_models(latency, fast, slow, X):
            latency.check(fast, X, name="lone")
            latency.check(slow, X, name="ensemble", p50="20ms")   # keyword overrides marker
        """
    )
    res = tester.runpytest(*FAST)
    res.assert_outcomes(passed=1)
    res.stdout.fnmatch_lines(
        [
            "*prodbench latency budgets*",
            "test*model*pct*measured*interval*budget*result",
            "*test_two_models*lone*p50*2 ms*PASS",
            "*test_two_models*lone*p90*",
            "*test_two_models*ensemble*p50*20 ms*PASS",
            "*test_two_models*ensemble*p90*",
        ]
    )


def test_session_without_checks_is_untouched(tester: pytest.Pytester) -> None:
    tester.makepyfile("def test_plain():\n    assert True\n")
    res = tester.runpytest(*FAST)
    res.assert_outcomes(passed=1)
    assert "prodbench latency budgets" not in res.stdout.str()


def test_xdist_worker_warns(tester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")  # what xdist sets in its workers
    tester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_budget(p50="2ms")
        def test_fast(latency, fast, X):
            latency.check(fast, X)
        """
    )
    res = tester.runpytest(*FAST, "-p", "no:benchmark")  # it warns about xdist too
    res.assert_outcomes(passed=1, warnings=1)
    res.stdout.fnmatch_lines(["*parallel workers*inflate latency*"])


def test_benchmark_json_gets_the_checks(tester: pytest.Pytester) -> None:
    tester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_budget(p50="2ms")
        def test_fast(latency, fast, X):
            latency.check(fast, X)
        """
    )
    res = tester.runpytest(*FAST, "--benchmark-json=out.json")
    res.assert_outcomes(passed=1)
    data = json.loads((tester.path / "out.json").read_text())
    assert data["benchmarks"] == []
    (entry,) = data["prodbench"]
    assert entry["test"].endswith("test_fast")
    assert entry["name"] == "Fake"
    assert entry["outcome"] == "pass"
    assert entry["budget"] == {"p50": 0.002}
    assert 1.5e-4 < entry["p50"] < 2e-3
    for key in ("p90", "p99", "p999", "mean", "max", "intervals", "n"):
        assert key in entry
    assert len(entry["samples_ns"]) == entry["n"] > 0


def test_benchmark_fixture_gets_extra_info(tester: pytest.Pytester) -> None:
    tester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_budget(p50="2ms")
        def test_both(benchmark, latency, fast, X):
            latency.check(fast, X)
            benchmark.pedantic(fast.predict, args=(X[:1],), rounds=3, iterations=1)
        """
    )
    res = tester.runpytest(*FAST, "--benchmark-json=out.json")
    res.assert_outcomes(passed=1)
    data = json.loads((tester.path / "out.json").read_text())
    (bench,) = data["benchmarks"]
    (info,) = bench["extra_info"]["prodbench"]
    assert info["outcome"] == "pass" and info["budget"] == {"p50": 0.002}
    assert len(data["prodbench"]) == 1


# --------------------------------------------------------------------------- habits
SKIP_GOES_ON = """
import pytest
from prodbench.testing import assert_latency

@pytest.mark.latency_budget(p99="100us")
def test_accuracy_after_fixture(latency, slow, X):
    result = latency.check(slow, X)
    assert result.n == 0 and result.stop_reason == "skipped"
    assert False, "accuracy assertion ran"

def test_accuracy_after_assert_latency(slow, X):
    assert_latency(slow, X, p99="100us")
    assert False, "second accuracy assertion ran"
"""


def test_latency_skip_is_a_no_op_and_the_test_goes_on(tester: pytest.Pytester) -> None:
    tester.makepyfile(SKIP_GOES_ON)
    res = tester.runpytest(*FAST, "--latency-skip")
    # both latency checks are no-ops; the assertions after them run (and fail)
    res.assert_outcomes(failed=2)
    res.stdout.fnmatch_lines(["*accuracy assertion ran*"])
    res.stdout.fnmatch_lines(["*second accuracy assertion ran*"])
    res.stdout.fnmatch_lines(
        [
            "*prodbench latency budgets*",
            "*test_accuracy_after_fixture*fixture*Fake*p99*-*-*100 µs*SKIPPED",
            "*test_accuracy_after_assert_latency*assert*Fake*p99*-*-*100 µs*SKIPPED",
        ]
    )


def test_latency_skip_still_checks_the_arguments(tester: pytest.Pytester) -> None:
    tester.makepyfile(
        """
        from prodbench.testing import assert_latency

        def test_typo(fast, X):
            assert_latency(fast, X, p99="5 parsecs")
        """
    )
    res = tester.runpytest(*FAST, "--latency-skip")
    res.assert_outcomes(failed=1)
    res.stdout.fnmatch_lines(["*BudgetError*parsecs*"])


def test_fixture_without_marker_names_the_marker(tester: pytest.Pytester) -> None:
    tester.makepyfile(
        """
        def test_no_marker(latency, fast, X):
            latency.check(fast, X)

        def test_keyword_limit_is_enough(latency, fast, X):
            latency.check(fast, X, p50="20ms")
        """
    )
    res = tester.runpytest(*FAST)
    res.assert_outcomes(failed=1, passed=1)
    res.stdout.fnmatch_lines(
        ["*test_no_marker*no limit to check*@pytest.mark.latency_budget(p99='5ms')*"]
    )
    assert "BudgetError" not in res.stdout.str()
    assert "Traceback" not in res.stdout.str()


SUMMARY_BOTH = """
import pytest
from prodbench.testing import assert_latency

@pytest.mark.latency_budget(p50="20ms")
def test_fixture_check(latency, fast, X):
    latency.check(fast, X, name="fixed")

def test_assert_check(fast, X):
    assert_latency(fast, X, p50="20ms", name="direct")

def test_fail_at_first_look(slow, X):
    # 2 ms a call against a 100 us p99: FAIL at the first look, on a few dozen samples
    with pytest.raises(AssertionError):
        assert_latency(slow, X, p99="100us", name="early")
"""


def test_summary_lists_fixture_and_assert_latency_checks_with_undersampled_marks(
    tester: pytest.Pytester,
) -> None:
    tester.makepyfile(SUMMARY_BOTH)
    res = tester.runpytest(*FAST)
    res.assert_outcomes(passed=3)
    res.stdout.fnmatch_lines(
        [
            "*prodbench latency budgets*",
            "test*check*model*pct*measured*interval*budget*result",
            "*test_fixture_check*fixture*fixed*p50*20 ms*PASS",
            "*test_assert_check*assert*direct*p50*20 ms*PASS",
            "*test_fail_at_first_look*assert*early*p99*ms\u2020*100 µs*FAIL",
            "\u2020 *test_fail_at_first_look*early p99 under-sampled: n=* < 662 needed*",
        ]
    )


def test_marker_call_timeout_stops_a_hung_call(tester: pytest.Pytester) -> None:
    tester.makepyfile(
        """
        import time
        import pytest

        class Hang:
            def predict(self, X):
                end = time.perf_counter() + 30.0
                while time.perf_counter() < end:
                    pass
                return X[:, 0]

        @pytest.mark.latency_budget(p99="5ms", call_timeout=0.2)
        def test_hang(latency, X):
            latency.check(Hang(), X)
        """
    )
    res = tester.runpytest(*FAST)
    res.assert_outcomes(failed=1)
    res.stdout.fnmatch_lines(["*Hang timeout*call_timeout=0.2 s*"])
    res.stdout.fnmatch_lines(["*test_hang*fixture*Hang*p99*-*-*5 ms*ERROR"])


def test_marker_call_timeout_is_checked_at_collection(tester: pytest.Pytester) -> None:
    tester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_budget(p99="5ms", call_timeout=-1)
        def test_bad(latency, fast, X):
            latency.check(fast, X)
        """
    )
    res = tester.runpytest(*FAST)
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines(["*call_timeout=-1: use a positive number of seconds*"])


LATENCY_JSON = """
import pytest
from prodbench.testing import assert_latency

@pytest.mark.latency_budget(p50="20ms")
def test_fixture_check(latency, fast, X):
    latency.check(fast, X, name="fixed")

def test_assert_check(fast, X):
    assert_latency(fast, X, p50="20ms", p90="50ms", name="direct")
"""


def test_latency_json_writes_every_check_for_diff(
    tester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    from prodbench.cli import main
    from prodbench.verdict import Comparison

    tester.makepyfile(LATENCY_JSON)
    for run in ("old", "new"):
        res = tester.runpytest(*FAST, f"--latency-json={run}.json")
        res.assert_outcomes(passed=2)
        res.stdout.fnmatch_lines([f"latency checks written to *{run}.json*prodbench diff*"])
    old = Comparison.from_json(tester.path / "old.json")
    names = [
        "test_latency_json_writes_every_check_for_diff.py::test_fixture_check::fixed",
        "test_latency_json_writes_every_check_for_diff.py::test_assert_check::direct",
    ]
    assert list(old.names) == names
    check = old.results[names[1]].options["latency_check"]
    assert check["source"] == "assert_latency" and check["outcome"] == "pass"
    assert check["budget"] == {"p50": 0.02, "p90": 0.05}
    assert set(check["decided_by"]) == {"p50", "p90"}
    assert check["decided_by"]["p50"]["n"] > 0 and check["decided_by"]["p50"]["high"] < 0.02
    assert old.results[names[1]].latency.n == check["n"]
    assert old.results[names[1]].environment.get("python")
    # two runs side by side: a gate far from the noise is ok, exit 0
    code = main(
        [
            "diff",
            str(tester.path / "old.json"),
            str(tester.path / "new.json"),
            "--fail-on",
            "p50=+1000%",
        ]
    )
    assert code == 0
    # show lists the checks
    capsys.readouterr()
    assert main(["show", str(tester.path / "old.json")]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("latency checks: 2 ran, 0 not run")
    assert f"{names[1]} (assert_latency): p90 " in shown and ": PASS" in shown


def test_latency_json_lists_skipped_checks_and_refuses_a_directory(
    tester: pytest.Pytester,
) -> None:
    from prodbench.verdict import Comparison

    tester.makepyfile(
        LATENCY_JSON
        + """
@pytest.mark.latency_budget(p50="20ms")
def test_errored(latency, fast, X):
    with pytest.raises(Exception):
        latency.check(fast, X, method="predict_proba")  # Fake has no predict_proba
"""
    )
    res = tester.runpytest(*FAST, "--latency-json=some.json", "-k", "fixture or errored")
    res.assert_outcomes(passed=2)
    cmp = Comparison.from_json(tester.path / "some.json")
    assert len(cmp.names) == 1
    [error] = cmp.options["latency_checks_not_run"]
    assert error["outcome"] == "error" and "predict_proba" in error["error"]
    # nothing ran: no file that prodbench could not read, and the summary says so
    res = tester.runpytest(
        *FAST, "--latency-skip", "--latency-json=skipped.json", "-k", "not errored"
    )
    res.assert_outcomes(passed=2)
    assert not (tester.path / "skipped.json").exists()
    res.stdout.fnmatch_lines(["*--latency-json *skipped.json was not written: no latency check*"])
    (tester.path / "adir").mkdir()
    res = tester.runpytest(*FAST, "--latency-json=adir")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines(["*--latency-json 'adir' is a directory*"])


# --------------------------------------------------------------------------- free until used
HEAVY = ("numpy", "pandas", "scipy", "sklearn", "psutil", "matplotlib")


def _subprocess_env() -> dict[str, str]:
    import os
    import pathlib

    import prodbench

    env = dict(os.environ)
    src = str(pathlib.Path(prodbench.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("PYTEST_ADDOPTS", None)
    return env


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import prodbench.pytest_plugin, sys; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules) or 'none')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=_subprocess_env(),
        timeout=120,
        check=True,
    )
    assert out.stdout.strip() == "none", out.stdout


def test_a_plain_session_with_the_plugin_imports_nothing_heavy(tmp_path: Any) -> None:
    """Configure, collection and the summary of a session without checks stay light."""
    import subprocess
    import sys

    (tmp_path / "test_plain.py").write_text(
        "import sys\n\n"
        "def test_plain():\n"
        f"    heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "    assert heavy == [], heavy\n"
    )
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark"]
    run = subprocess.run(
        # the entry point loads the plugin; its option being accepted shows it is active
        [*args, "--latency-max-time=1", "test_plain.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=_subprocess_env(),
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout


def test_a_huge_latency_scale_is_a_usage_error(tester: pytest.Pytester) -> None:
    tester.makepyfile(SCALED)
    res = tester.runpytest(*FAST, "--latency-scale", "1e308")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    res.stderr.fnmatch_lines(["*--latency-scale 1e+308 is above 1000*"])
