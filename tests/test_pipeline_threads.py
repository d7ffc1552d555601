"""One thread protocol in every entry point, the thread-trap probe, and the run's budgets.

The fakes busy-wait (never sleep). Thread limits are read by the fake itself
(threadpoolctl), so the tests check what the model really ran under, not only
what the result says.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from fakes import BusyModel, ThreadSpy, ThreadTrap, constant, read_spy_log
from sklearn.datasets import load_iris
from threadpoolctl import threadpool_info, threadpool_limits

import prodbench as pb
from prodbench.cli import main
from prodbench.errors import DataError
from prodbench.timing import probe_thread_trap, thread_policy

SERVING = {"fit": None, "score": None, "throughput": None, "cold_start": 1, "latency": 1}
FAST = {"max_time": 0.2, "min_fits": 1}
MS = 1_000_000
pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def machine_threads() -> int:
    return max(p["num_threads"] for p in threadpool_info())


def expect_serving(log: str, result: object = None) -> None:
    """Fits and bulk calls with the machine's threads; cold start and latency with 1.

    The thread-trap probe and the throughput at batch size 1 also make
    one-row calls with the machine's pools; they come between the cold start
    and the last bulk call. After the last bulk call come only the latency
    phase's warm-up and samples.
    """
    calls = read_spy_log(log)
    machine = machine_threads()
    # On an oversubscribed machine the research thread probe (engine/research_threads.py)
    # moves fits and bulk calls to 1 thread, and the result says so: check both agree.
    research = ((getattr(result, "environment", None) or {}).get("research_threads") or {}).get(
        "threads"
    )
    if research == 1:
        assert {n for k, n in calls if k == "bulk"} == {1}
        machine = 1
    kinds = [k for k, _ in calls]
    first_predict = next(i for i, k in enumerate(kinds) if k != "fit")
    last_bulk = max(i for i, k in enumerate(kinds) if k == "bulk")
    record = (getattr(result, "environment", None) or {}).get("research_threads")
    assert {n for k, n in calls if k == "bulk"} == {machine}, (calls, record)
    fits = [n for k, n in calls if k == "fit"]
    # the research phases' thread probe: the second fit limited to 1, dropped from the
    # figures when the machine's pools are not slower (engine/research_threads.py)
    if research != 1:
        assert fits[:1] + fits[2:] == [machine] * (len(fits) - min(1, len(fits) - 1))
    assert fits[1:2] in ([], [1], [machine]) or research == 1
    assert calls[first_predict] == ("one", 1)  # cold start
    tail = calls[last_bulk + 1 :]
    assert len(tail) > 10 and set(tail) == {("one", 1)}


def outside_probe(log: str) -> set[int]:
    """Threads seen by every call but the thread-trap probe's (cold start to first bulk)."""
    calls = read_spy_log(log)
    kinds = [k for k, _ in calls]
    cold = next(i for i, k in enumerate(kinds) if k != "fit")
    score = kinds.index("bulk")
    return {n for i, (_, n) in enumerate(calls) if not cold < i < score}


def test_thread_policy_values():
    assert thread_policy("serving") == SERVING
    assert thread_policy(3) == dict.fromkeys(SERVING, 3)
    assert thread_policy(None) == dict.fromkeys(SERVING)
    for bad in (0, -1, "none", "1", True, 1.5):
        with pytest.raises(DataError, match="serving"):
            thread_policy(bad)


def test_entry_points_share_the_serving_policy(iris, tmp_path):
    """measure, compare and the CLI (--candidates file) time under the same policy."""
    X, y = iris
    log = tmp_path / "measure.log"
    result = pb.measure(ThreadSpy(str(log)), X, y, **FAST)
    assert result.options["threads"] == "serving"
    assert result.options["thread_policy"] == SERVING
    assert result.environment["thread_policy"] == SERVING
    expect_serving(str(log), result)

    logs = [tmp_path / "compare-a.log", tmp_path / "compare-b.log"]
    cmp = pb.compare({"a": ThreadSpy(str(logs[0])), "b": ThreadSpy(str(logs[1]))}, X, y, **FAST)
    assert {r.options["thread_policy"] == SERVING for r in cmp.results.values()} == {True}
    from prodbench.report.jsonfmt import summary

    stated = summary(cmp)["candidates"]
    assert [stated[n]["thread_policy"] for n in ("a", "b")] == [SERVING, SERVING]
    assert "threads: latency and cold start 1, fits and throughput" in str(cmp).replace("\n  ", " ")
    for log, name in zip(logs, ("a", "b"), strict=True):
        expect_serving(str(log), cmp.results[name])

    logs = [tmp_path / "cli-a.log", tmp_path / "cli-b.log"]
    script = tmp_path / "cands.py"
    script.write_text(
        "from fakes import ThreadSpy\n"
        f"CANDIDATES = {{'a': ThreadSpy({str(logs[0])!r}), 'b': ThreadSpy({str(logs[1])!r})}}\n"
    )
    out = tmp_path / "run.json"
    code = main(
        [
            *("compare", "--candidates", str(script), "--data", "iris", "--max-time", "0.2"),
            *("--max-fit-time", "0.1", "--quiet", "--output", str(out), "--format", "csv"),
        ]
    )
    assert code == 0
    saved = json.loads(out.read_text())
    policies = [r["options"]["thread_policy"] for r in saved["results"].values()]
    assert policies == [SERVING, SERVING]
    from prodbench.verdict import Comparison

    again = Comparison.from_json(out)
    for log, name in zip(logs, ("a", "b"), strict=True):
        expect_serving(str(log), again.results[name])


def test_plugin_times_under_the_serving_policy(pytester, tmp_path):
    log = tmp_path / "plugin.log"
    pytester.makepyfile(
        f"""
        import numpy as np
        import pytest
        from fakes import ThreadSpy

        @pytest.mark.latency_budget(p99="1s")
        def test_spy(latency):
            X = np.zeros((30, 3))
            spy = ThreadSpy({str(log)!r}).fit(X, np.arange(30) % 2)
            latency.check(spy, X)
        """
    )
    pytester.syspathinsert(str(__import__("pathlib").Path(__file__).parent))
    res = pytester.runpytest_inprocess("--latency-max-time=0.3", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=1)
    assert {n for k, n in read_spy_log(str(log)) if k == "one"} == {1}


def test_threads_n_limits_every_phase_and_none_limits_nothing(iris, tmp_path):
    X, y = iris
    log = tmp_path / "n.log"
    result = pb.measure(ThreadSpy(str(log)), X, y, threads=1, **FAST)
    assert result.options["thread_policy"] == dict.fromkeys(SERVING, 1)
    assert outside_probe(str(log)) == {1}
    log = tmp_path / "none.log"
    with threadpool_limits(2):  # the "machine's" pools are 2 here, whatever the machine
        result = pb.measure(ThreadSpy(str(log)), X, y, threads=None, **FAST)
    assert result.options["thread_policy"] == dict.fromkeys(SERVING)
    assert outside_probe(str(log)) == {2}


def test_thread_trap_warning_fires_when_unlimited_pools_are_slow(iris):
    X, y = iris
    with threadpool_limits(2):  # unlimited means 2 threads, even on a 1-core machine
        trapped = pb.measure(ThreadTrap(fast_ns=200_000, slow_ns=1 * MS), X, y, **FAST)
        plain = pb.measure(ThreadTrap(fast_ns=300_000, slow_ns=300_000), X, y, **FAST)
    one_row = "thread trap:"  # the research phases' notes are "thread trap (research): ..."
    warning = [n for n in trapped.notes if n.startswith(one_row)]
    assert len(warning) == 1
    assert "OMP_NUM_THREADS=1" in warning[0] and "threadpoolctl" in warning[0]
    assert "ms" in warning[0] and "slower" in warning[0]
    probe = trapped.environment["thread_probe"]
    assert probe["ratio"] > 2.5 and probe["elapsed_s"] < 0.5
    assert not [n for n in plain.notes if n.startswith(one_row)]
    assert 0.6 < plain.environment["thread_probe"]["ratio"] < 1.5


def test_probe_is_bounded_and_alternates():
    calls = []
    probe = probe_thread_trap(calls.append, [1, 2, 3], max_time=0.02)
    assert probe.calls >= 1 and len(calls) == 2 * probe.calls
    assert probe.elapsed_s < 0.5


def test_bounded_phases_slow_predict_makes_about_five_calls(iris):
    """A 2 s predict with max_time=0.3 (scaled 10x down here): about five calls.

    Cold start, score, one throughput batch, warm-up, one sample; the probe is
    skipped for a call longer than its burst.
    """
    X, y = iris

    class Slow(BusyModel):
        calls = 0

        def predict(self, X):
            type(self).calls += 1
            from fakes import busy_wait_ns

            busy_wait_ns(2_000 * MS // 10)  # 0.2 s here, scaled: 10x max_time ratio kept
            return np.full(len(X), self.classes_[0])

    t0 = time.perf_counter()
    result = pb.measure(Slow(constant(0)), X, y, max_time=0.03, min_fits=1)
    elapsed = time.perf_counter() - t0
    assert Slow.calls <= 6, Slow.calls
    assert result.latency.n == 1
    assert [b.batch_size for b in result.throughput.batches] == [1]
    assert result.options["throughput_not_measured"] == [10, 38]
    assert any("throughput not measured" in n for n in result.notes)
    assert elapsed < 5.0


def test_latency_budget_goes_where_it_is_needed(iris):
    """A fast candidate stops on precision; the slow one gets the time it leaves."""
    X, y = iris
    fast = BusyModel(constant(20_000))
    slow = BusyModel(constant(2 * MS))
    # A loose precision, so that the fast one stops as soon as p99 has its 662.
    cmp = pb.compare({"fast": fast, "slow": slow}, X, y, max_time=1.0, min_fits=1, precision=0.5)
    a, b = cmp.results["fast"].latency, cmp.results["slow"].latency
    assert a.stop_reason in ("precision", "enough_samples") and a.n >= 662
    assert a.elapsed_s < 0.7
    # The slow one gets more than its own 1 s (the time the fast one left),
    # and the two together no more than the run's 2 s (plus a block).
    assert b.elapsed_s > 1.0 and a.elapsed_s + b.elapsed_s < 2.0 + 0.3, (a, b)
    assert cmp.results["slow"].options["latency_budget_s"] == pytest.approx(2.0)


def test_under_sampled_note_says_how_much_more_time(iris):
    X, y = iris
    result = pb.measure(BusyModel(constant(2 * MS)), X, y, max_time=0.2, min_fits=1)
    note = next(n for n in result.notes if "under-sampled" in n)
    assert "raise max_time to about" in note
    needed = int(note.split("raise max_time to about ")[1].split()[0])
    assert 1 <= needed <= 10  # 662 x 2 ms is 1.3 s


def test_comparison_text_says_how_much_more_max_time(iris):
    X, y = iris
    cmp = pb.compare(
        {"a": BusyModel(constant(2 * MS)), "b": BusyModel(constant(2 * MS), seed=1)},
        X,
        y,
        max_time=0.1,
        min_fits=1,
    )
    text = " ".join(str(cmp).split())  # the text wraps to the terminal's width
    assert text.count("raise max_time (--max-time) to about") >= 2
