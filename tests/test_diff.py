"""prodbench.diff: ratio bounds, Holm-controlled gates, environment warnings (no timing).

Simulations draw latencies from known lognormal distributions (fixed seeds),
so a "run" costs no time and the true ratio is known exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from factories import make_comparison, make_result

from prodbench.diff import diff_runs, parse_fail_on, ratio_bounds
from prodbench.errors import CandidateError, SpecError

SIGMA = 0.3


def _run(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    return np.sort(scale * np.exp(rng.normal(0.0, SIGMA, n)))


def trip_rate(ratio: float, reps: int, *, n_old: int, n_new: int, seed: int) -> float:
    """How often a single p99=+10% gate trips when the new run is ``ratio`` x slower."""
    rng = np.random.default_rng(seed)
    trips = 0
    for _ in range(reps):
        low, _ = ratio_bounds(_run(rng, n_old, 1.0), _run(rng, n_new, ratio), 99, 0.05)
        trips += low > 1.10
    return trips / reps


@pytest.mark.parametrize("ratio", [1.0, 1.05, 1.1])
def test_a_gate_at_or_under_its_limit_trips_at_most_5_percent(ratio: float) -> None:
    assert trip_rate(ratio, 1000, n_old=2000, n_new=2000, seed=int(ratio * 100)) <= 0.05


def test_back_to_back_runs_of_the_same_model_do_not_trip() -> None:
    assert trip_rate(1.0, 1000, n_old=5000, n_new=5000, seed=1) == 0.0


def test_a_1_5x_slower_model_trips_even_with_fewer_samples() -> None:
    assert trip_rate(1.5, 500, n_old=2000, n_new=2000, seed=2) >= 0.95
    # a slower run gets fewer samples (here 1,000, above the 662 a p99 needs)
    assert trip_rate(1.5, 500, n_old=2000, n_new=1000, seed=3) >= 0.9


def test_ratio_bounds_cover_the_true_ratio() -> None:
    rng = np.random.default_rng(4)
    misses = 0
    for _ in range(1000):
        low, high = ratio_bounds(_run(rng, 800, 1.0), _run(rng, 800, 2.0), 99, 0.025)
        misses += not (low <= 2.0 <= high)
    assert misses / 1000 <= 0.05


def test_ratio_bounds_are_open_where_a_run_cannot_bound_its_percentile() -> None:
    rng = np.random.default_rng(5)
    low, high = ratio_bounds(_run(rng, 100, 1.0), _run(rng, 5000, 1.0), 99, 0.025)
    assert low == 0.0 and math.isfinite(high)
    low, high = ratio_bounds(_run(rng, 5000, 1.0), _run(rng, 100, 1.0), 99, 0.025)
    assert high == math.inf and low > 0


def _cmp(**latency_ms: float):
    return make_comparison(
        [
            make_result(name, latency_ms=ms, seed=i)
            for i, (name, ms) in enumerate(latency_ms.items())
        ]
    )


def test_gates_are_holm_controlled_across_candidates_and_metrics() -> None:
    old = _cmp(a=1.0, b=2.0)
    new = _cmp(a=1.5, b=2.0)
    diff = diff_runs(old, new, {"p99": 0.10, "p50": 0.10})
    status = {(g.candidate, g.key): g for g in diff.gates}
    assert status[("a", "p99")].status == "tripped" and status[("a", "p50")].status == "tripped"
    assert status[("b", "p99")].status == "ok" and status[("b", "p50")].status == "ok"
    # the first step tests at 0.05 / 4 one-sided; the untripped gates last at 0.05 / 2
    assert status[("b", "p99")].confidence == pytest.approx(1 - 0.05 / 2)
    assert len(diff.tripped) == 2 and not diff.undecided


def test_a_slower_and_undersampled_new_run_still_gates() -> None:
    old = make_comparison([make_result("m", latency_ms=1.0)])
    new = make_comparison([make_result("m", latency_ms=2.0, n=400, seed=1)])
    diff = diff_runs(old, new, {"p99": 0.10})
    assert diff.candidates[0].percentiles["p99"].new_undersampled
    assert diff.gates[0].status == "tripped"


def test_no_common_candidate_and_non_finite_limits_are_input_errors() -> None:
    with pytest.raises(CandidateError, match="No candidate was measured in both runs"):
        diff_runs(_cmp(a=1.0), _cmp(b=1.0))
    for bad in ("p99=+nan%", "p50=inf%", "score=-nan"):
        with pytest.raises(SpecError, match="not a finite number"):
            parse_fail_on(bad)


def test_to_dict_is_strict_json() -> None:
    import json

    old = make_comparison([make_result("m", n=50)])
    new = make_comparison([make_result("m", seed=1)])
    payload = diff_runs(old, new, {"p99": 0.1}).to_dict()
    json.dumps(payload, allow_nan=False)
    assert payload["undecided"] is True and payload["gates"][0]["bound"] is None
    assert payload["candidates"]["m"]["p99"]["old_undersampled"] is True
