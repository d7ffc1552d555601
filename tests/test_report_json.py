"""The JSON output's ``summary``: figures, intervals, budget, picks, verdict beside samples."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from factories import make_comparison, make_result

from prodbench import report
from prodbench.verdict import Budget, Comparison, FailedCandidate

Y_TRUE = np.arange(1000) % 2


def _cmp() -> Comparison:
    rng = np.random.default_rng(1)
    lone = make_result("lone", latency_ms=0.2, correct=rng.random(1000) < 0.9, y_true=Y_TRUE)
    ens = make_result(
        "ensemble", latency_ms=4.0, correct=rng.random(1000) < 0.99, y_true=Y_TRUE, seed=2
    )
    few = make_result("few", n=100, latency_ms=1.0, y_true=Y_TRUE, seed=3)
    failed = FailedCandidate("broken", "fit", "ValueError", "bad input")
    return make_comparison([lone, ens, few], budget=Budget(p99="1ms"), failures=[failed])


def test_summary_sits_beside_the_raw_samples_and_agrees_with_them() -> None:
    cmp = _cmp()
    data = json.loads(report.render_json(cmp))
    assert data["results"]["lone"]["latency"]["samples_ns"]  # raw samples still there
    s = data["summary"]
    assert list(s["candidates"]) == ["lone", "ensemble", "few", "broken"]
    lone = s["candidates"]["lone"]
    lat = cmp.results["lone"].latency
    for key, q in (("p50", 50), ("p90", 90), ("p99", 99)):
        low, high = lat.interval(q)
        assert lone["latency"][key]["value_s"] == lat.percentile(q)
        assert lone["latency"][key]["low_s"] == low
        assert lone["latency"][key]["high_s"] == high
    assert lone["latency"]["n"] == lat.n == 5000
    assert lone["score"]["name"] == "accuracy"
    assert lone["score"]["value"] == cmp.results["lone"].score.value
    assert lone["budget"] == "pass" and lone["is_baseline"] is True
    assert s["candidates"]["ensemble"]["budget"] == "fail"
    assert s["candidates"]["ensemble"]["budget_checks"]["p99"]["status"] == "fail"
    assert s["candidates"]["ensemble"]["versus_baseline"]["p99_ratio"] > 10
    few = s["candidates"]["few"]["latency"]["p99"]
    assert few["undersampled"] is True and few["required_n"] == 662
    assert few["high_s"] is None  # an interval open at the top is null, not inf
    assert s["candidates"]["broken"] == {
        "status": "failed",
        "phase": "fit",
        "error_type": "ValueError",
        "message": "bad input",
    }
    assert s["production_pick"] == cmp.production_pick
    assert s["research_pick"] == cmp.research_pick
    assert s["verdict"] == cmp.verdict and s["verdict"]
    assert s["budget"] == "p99 < 1 ms"
    assert [x["role"] for x in s["stakeholders"]] == [x.role for x in cmp.stakeholders]
    assert s["warnings"] == [] and "thread_policy" in s


def test_saved_file_has_the_summary_and_loads_back(tmp_path: Path) -> None:
    cmp = _cmp()
    path = tmp_path / "r.json"
    cmp.to_json(path)
    text = path.read_text(encoding="utf-8")
    assert "Infinity" not in text.split('"summary"', 1)[1]
    assert json.loads(text)["summary"]["baseline"] == "lone"
    back = Comparison.from_json(path)
    assert back.names == cmp.names
