"""With a latency budget, the run's latency time goes to the candidates still undecided.

One fake sits on its p50 limit (its budget outcome stays open); two are far
beyond it (they FAIL at the first look, 64 samples). The near one must get
most of the latency time and the far ones stop as "decided": on a fake clock
through the driver (exact shares), and through ``compare`` with busy-wait
models, in-process and in worker processes.
"""

from __future__ import annotations

import numpy as np
import pytest
from fakes import busy_wait_ns, near_and_far
from sklearn.datasets import load_breast_cancer

import prodbench as pb
from prodbench import stats
from prodbench.engine.driver import _run, _Schedule
from prodbench.sequential import SequentialDecision


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True)


def _clock_shares(limits):
    lims, runners = near_and_far(0.5)
    out = _run(runners, None, None, raise_errors=True, max_time=0.5, limits=limits and lims)
    total = sum(elapsed for _, elapsed, _ in out.values())
    return {k: elapsed / total for k, (_, elapsed, _) in out.items()}, out


def test_fake_clock_undecided_candidate_gets_the_budget():
    shares, out = _clock_shares(limits=True)
    # Equal turns would give the near one 13%: the far ones' p99 would claim the time.
    assert shares["near"] > 0.75, shares
    assert out["far"][2] == out["farther"][2] == "decided"
    assert out["far"][0] < 200 and out["farther"][0] < 200  # stopped soon after 64 samples
    assert out["near"][2] == "max_time"  # it had the rest of the run's budget


def test_fake_clock_without_a_budget_turns_are_unchanged():
    shares, out = _clock_shares(limits=False)
    assert shares["near"] < 0.2, shares  # its p99 had its samples: the time went to the others
    assert all(reason != "decided" for _, _, reason in out.values())


class Bimodal:
    """A picklable busy-wait classifier: each call ``fast_ns`` or (share ``slow``) ``slow_ns``."""

    def __init__(self, fast_ns: int, slow_ns: int, slow: float, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.draws = np.where(rng.random(1 << 14) < slow, slow_ns, fast_ns).tolist()
        self.i = 0

    def fit(self, X, y):
        self.label_ = np.unique(y)[:1]
        return self

    def predict(self, X):
        if len(X) == 1:
            self.i = (self.i + 1) % len(self.draws)
            busy_wait_ns(self.draws[self.i])
            return self.label_
        return np.repeat(self.label_, len(X))


@pytest.mark.parametrize("isolate", [False, True])
def test_compare_gives_the_time_to_the_open_candidate(cancer, isolate):
    X, y = cancer
    cmp = pb.compare(
        {
            # 48% of calls 300 us, the rest 50 us: the p50 sits on the 150 us limit
            # (a few fast calls made slow by a busy machine only bring it closer).
            "near": Bimodal(50_000, 300_000, 0.48),
            "far": Bimodal(500_000, 500_000, 0.0),
            "farther": Bimodal(800_000, 800_000, 0.0),
        },
        X,
        y,
        budget="p50=150us",
        max_time=1.0,
        precision=1e-6,  # no stop on a tight interval: the budget alone steers the time
        min_fits=1,
        isolate=isolate,
    )
    assert sorted(cmp.results) == ["far", "farther", "near"], cmp.failures
    elapsed = {n: r.latency.elapsed_s for n, r in cmp.results.items()}
    # Equal turns would give each a third (their p99 all under-sampled).
    assert elapsed["near"] > 0.5 * sum(elapsed.values()), elapsed
    for name in ("far", "farther"):
        lat = cmp.results[name].latency
        assert cmp.budget_overall(name) == "fail"
        assert lat.stop_reason == "decided", lat.stop_reason
        # stopped well before the open one: its samples went to the near candidate (with
        # no interim decision before the minimum sampling time, the stop can come after
        # the p99's own minimum of samples on a fast machine)
        assert lat.n < cmp.results["near"].latency.n, (lat.n, cmp.results["near"].latency.n)
        if lat.n < stats.required_samples(99):  # an under-sampled p99 says why
            assert any("already decided" in note for note in cmp.results[name].notes)


class _FakeRunner:
    """The state ``_Schedule`` reads, set by hand."""

    def __init__(self, name: str, n: int, elapsed: float, outcome: str = "open") -> None:
        self.name = name
        self.latency_n = n
        self.latency_elapsed = elapsed
        self.latency_done = False
        self.failure = None
        self._outcome = outcome

    def budget_outcome(self, limits_ns, error_rate=0.05):
        return self._outcome


def test_schedule_decided_waits_then_stops_and_resumes_when_none_is_open():
    near = _FakeRunner("near", 100, 0.1)
    far = _FakeRunner("far", 64, 0.1, outcome="fail")
    runs = [near, far]
    schedule = _Schedule(runs, 1.0, {"p99": 0.0002})
    for c in runs:
        schedule.look(c)
    assert schedule.turn(far, runs) == "wait"
    assert schedule.turn(near, runs) == "sample"
    far.latency_n = 10_000  # its p99 has its samples: it stops
    assert schedule.turn(far, runs) == "decided"
    far.latency_n = 64
    near.latency_done = True  # nobody open is left: the decided one samples again
    assert schedule.turn(far, runs) == "sample"
    schedule.spend(far, 1.0)
    assert schedule.turn(far, runs) == "decided"  # it waited: its few samples say why
    assert schedule.turn(_FakeRunner("x", 5, 0.1), runs) == "max_time"


def test_schedule_without_limits_never_decides():
    a, b = _FakeRunner("a", 64, 0.1, outcome="fail"), _FakeRunner("b", 64, 0.1)
    schedule = _Schedule([a, b], 1.0, None)
    schedule.look(a)
    assert not schedule.decided(a)
    assert schedule.turn(a, [a, b]) == "sample"


def test_candidate_outcome_is_the_sequential_rule():
    d = SequentialDecision({"p99": 200_000})
    assert d.next_look == 64
    d.update(np.full(64, 2_000_000))
    assert d.outcome == "fail" and d.next_look is None
