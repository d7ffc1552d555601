"""Machine noise stated: the noise record, and the busy, drift and shared-tail warnings."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from fakes import busy_wait_ns

import prodbench as pb
from prodbench import noise
from prodbench.environment import machine_snapshot, summarize_environment
from prodbench.results import LatencyResult

US = 1_000


class SpeedStep:
    """One-row ``predict`` busy-waits ``ns``, then ``factor * ns`` from ``step_s`` into its phase.

    The latency phase starts with the first one-row call after the last bulk
    (many-row) call: throughput and the score come before it. Time-based, so
    the step falls inside the phase whatever the machine's speed.
    """

    def __init__(self, ns: int, factor: float = 1.0, step_s: float = 0.0) -> None:
        self.ns, self.factor, self.step_s = ns, factor, step_s
        self._start: float | None = None

    def fit(self, X: object, y: np.ndarray) -> SpeedStep:
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        if len(X) != 1:
            self._start = None  # a bulk call: the latency phase has not begun
            return np.full(len(X), self.classes_[0])
        now = time.perf_counter()
        if self._start is None:
            self._start = now
        stepped = self.factor != 1.0 and now - self._start >= self.step_s
        busy_wait_ns(int(self.ns * (self.factor if stepped else 1.0)))
        return np.full(1, self.classes_[0])


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    return X, (X[:, 0] > 0).astype(int)


OPTIONS = {"max_time": 2.0, "min_fits": 1, "batch_sizes": (100,), "progress": False}


def test_a_model_whose_speed_steps_2x_halfway_gets_a_drift_warning() -> None:
    X, y = _data()
    # precision 1e-6: sampling runs its max_time (a tight interval before the step would
    # stop it on a quiet machine), so the step falls inside the phase
    result = pb.measure(
        SpeedStep(300 * US, factor=0.5, step_s=0.8), X, y, **OPTIONS, precision=1e-6
    )
    drift = [n for n in result.notes if n.startswith(noise.DRIFT_PREFIX)]
    assert drift, (result.notes, result.latency)
    assert "median moved -" in drift[0] and "between the first and last third" in drift[0]
    # the same words in the text, HTML and JSON renderings
    assert noise.DRIFT_PREFIX in str(result)
    assert noise.DRIFT_PREFIX in result._repr_html_()
    assert noise.DRIFT_PREFIX in json.dumps(result.to_dict())
    # and in a comparison's JSON, next to the candidate, with the noise record
    # interleaved with another candidate its latency blocks span about twice the wall time
    both = {"stepping": SpeedStep(300 * US, factor=0.5, step_s=1.6), "steady": SpeedStep(300 * US)}
    cmp = pb.compare(both, X, y, **OPTIONS, precision=1e-6)
    from prodbench.report import to_json_dict

    entry = to_json_dict(cmp)["summary"]["candidates"]["stepping"]
    assert any(w.startswith(noise.DRIFT_PREFIX) for w in entry["warnings"]), entry["warnings"]
    assert len(entry["noise"]["block_medians_ns"]) >= 2  # interleaved blocks
    steady = to_json_dict(cmp)["summary"]["candidates"]["steady"]["warnings"]
    assert not [w for w in steady if w.startswith(noise.DRIFT_PREFIX)], steady
    assert "stepping: speed drifted" in str(cmp)
    # the list the command line also writes to stderr
    assert any(w.startswith("stepping: speed drifted") for w in noise.run_warnings(cmp.results))


def test_a_steady_model_gets_no_drift_warning() -> None:
    X, y = _data()
    result = pb.measure(SpeedStep(300 * US), X, y, **OPTIONS)
    assert not [n for n in result.notes if n.startswith(noise.DRIFT_PREFIX)], result.notes
    record = result.environment["noise"]
    assert record["load_before"] is not None and record["load_after"] is not None
    assert len(record["block_medians_ns"]) >= 1
    # an optional field: saved and read back, and a file without it still reads
    data = json.loads(json.dumps(result.to_dict()))
    assert pb.ModelResult.from_dict(data).environment["noise"] == record
    del data["environment"]["noise"]
    assert "noise" not in pb.ModelResult.from_dict(data).environment


def test_noise_record_from_two_snapshots_and_block_ends() -> None:
    before = {"load_average": [0.5, 0.4, 0.3], "cpu_ticks": [1000, 10]}
    after = {"load_average": [2.5, 1.0, 0.4], "cpu_ticks": [1200, 30]}
    rec = noise.noise_record(before, after, [10, 10, 10, 30, 30, 30], [3, 6])
    assert rec == {
        "load_before": 0.5,
        "load_after": 2.5,
        "steal": 0.1,
        "block_medians_ns": [10.0, 30.0],
        "block_median_spread": 1.0,
    }
    assert noise.noise_record(None, None, [], [])["steal"] is None
    snap = machine_snapshot()
    assert set(snap) == {"load_average", "cpu_ticks"}


def test_busy_machine_warning_names_load_steal_and_what_to_do() -> None:
    busy = noise.busy_warning({"load_before": 1.0, "load_after": 3.9, "steal": 0.12}, 2)
    assert busy is not None
    assert "3.90 with 2 usable cores" in busy and "12% of CPU time was stolen" in busy
    assert "quieter machine" in busy
    assert noise.busy_warning({"load_before": 1.0, "load_after": 1.5, "steal": 0.01}, 2) is None
    assert noise.busy_warning({"load_before": None, "load_after": None, "steal": None}, 2) is None


def test_environment_line_states_the_noise_and_old_files_without_it_still_render() -> None:
    env = {"python": "3.11.7", "load_average": [0.5, 0.4, 0.3]}
    assert summarize_environment(env).endswith("load 0.50")
    env["noise"] = {
        "load_before": 0.5,
        "load_after": 2.5,
        "steal": 0.04,
        "block_median_spread": 0.3,
    }
    line = summarize_environment(env)
    assert "latency phase 0.50 -> 2.50" in line and "CPU steal 4%" in line
    assert "block medians spread 30%" in line


def _tail(p50_us: float, rng: np.random.Generator) -> LatencyResult:
    x = rng.normal(p50_us * 1000, p50_us * 30, 3000)
    x[rng.choice(3000, 90, replace=False)] = rng.normal(8_800_000, 50_000, 90)  # 3% at 8.8 ms
    return LatencyResult(samples_ns=x.astype(np.int64))


def test_shared_tail_warning_only_when_p99s_agree_and_p50s_differ() -> None:
    rng = np.random.default_rng(1)
    shared = {"logreg": _tail(100, rng), "forest": _tail(300, rng)}
    warning = noise.shared_tail_warning(shared)
    assert warning is not None and "the tail is the machine's" in warning
    assert "differ 3.0x" in warning
    own = {
        "logreg": _tail(100, rng),
        "forest": LatencyResult(samples_ns=shared["forest"].samples_ns * 2),
    }
    assert noise.shared_tail_warning(own) is None  # p99s 2x apart: their own tails
    similar = {"a": _tail(100, rng), "b": _tail(120, rng)}
    assert noise.shared_tail_warning(similar) is None  # p50s alike: nothing to say
    assert noise.shared_tail_warning({"a": shared["logreg"]}) is None


@pytest.mark.parametrize("move", [0.5, 2.0])
def test_drift_warning_on_samples_that_step(move: float) -> None:
    x = np.random.default_rng(2).lognormal(13, 0.2, 3000)
    assert noise.drift_warning("m", LatencyResult(samples_ns=x.astype(np.int64))) is None
    x[1500:] *= move
    text = noise.drift_warning("m", LatencyResult(samples_ns=x.astype(np.int64)))
    assert text is not None and f"median moved {'+' if move > 1 else '-'}" in text
    moved = int(text.split("moved ")[1].split("%")[0])
    assert abs(moved - 100 * (move - 1)) <= 10, text


@pytest.mark.parametrize("quiet", [False, True])
def test_compare_writes_the_noise_warnings_to_stderr_unless_quiet(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, quiet: bool
) -> None:
    from prodbench.cli import main

    seen: list[list[str]] = []

    def warnings(results: object) -> list[str]:
        seen.append(sorted(results))  # type: ignore[call-overload]
        return ["lone: speed drifted: stated here"]

    monkeypatch.setattr(noise, "run_warnings", warnings)
    argv = ["compare", "lone=logreg", "knn", "--data", "iris", "--max-time", "0.2"]
    code = main(argv + ["--max-fit-time", "0.5"] + (["--quiet"] if quiet else []))
    err = capsys.readouterr().err
    assert code == 0, err
    if quiet:
        assert "speed drifted" not in err
    else:
        assert "prodbench: warning: lone: speed drifted: stated here" in err
        assert ["knn", "lone"] in seen
