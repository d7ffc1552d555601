"""The pytest plugin: marker, `latency` fixture, options, summary, pytest-benchmark bridge.

Inner sessions run in-process with pytester. Their fake models busy-wait
with latencies far from the limits (0.2 ms against 2 ms at the median), so
the outcomes hold on a noisy shared machine.
"""

from __future__ import annotations

import json

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
    res = tester.runpytest(*FAST, "--latency-skip", "-rs")
    res.assert_outcomes(skipped=1)
    res.stdout.fnmatch_lines(["*latency budget checks skipped*"])
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
    res = tester.runpytest(*FAST, "--latency-skip", "-rs")
    res.assert_outcomes(skipped=1)
    res.stdout.fnmatch_lines(["*latency budget checks skipped (--latency-skip*"])


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
