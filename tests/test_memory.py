"""Resident memory per worker: recorded after loading or fitting, and the peak while predicting."""

from __future__ import annotations

import json

import pytest
from fakes import MemoryHog
from sklearn.datasets import load_iris

import prodbench as pb
from prodbench.errors import SchemaError
from prodbench.memory import WorkerMemory

MB = 1 << 20
FAST = {"max_time": 0.3, "min_fits": 1, "batch_sizes": (1, 100)}
ISOLATED = {**FAST, "isolate": True}


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def test_a_200_mb_model_reports_at_least_200_mb_per_worker(iris):
    X, y = iris
    cmp = pb.compare({"hog": MemoryHog(200), "small": MemoryHog(1)}, X, y, **ISOLATED)
    hog, small = cmp.results["hog"].memory, cmp.results["small"].memory
    assert hog is not None and small is not None
    assert hog.scope == "worker" and hog.isolated
    assert hog.rss_bytes >= 200 * MB
    assert hog.per_worker_bytes >= 200 * MB
    if hog.uss_bytes is not None:  # the ballast is this worker's own pages
        assert hog.uss_bytes >= 200 * MB
    # Each worker is its own process: the small one does not carry the hog's ballast.
    assert small.rss_bytes < hog.rss_bytes - 150 * MB
    assert hog.pid != small.pid


def test_the_peak_is_the_prediction_phase_s_own(iris):
    X, y = iris
    r = pb.measure(MemoryHog(20, predict_megabytes=150), X, y, name="peaky", **ISOLATED)
    m = r.memory
    assert m is not None
    if m.peak_scope != "prediction":  # pragma: no cover - not Linux
        pytest.skip("the kernel's peak cannot be reset here")
    # The 150 MB scratch of a 100-row predict shows in the peak, not in the loaded RSS.
    assert m.peak_rss_bytes >= m.rss_bytes + 140 * MB
    assert m.rss_bytes < m.peak_rss_bytes


def test_in_process_says_it_is_the_shared_process(iris):
    X, y = iris
    r = pb.measure(MemoryHog(50), X, y, name="hog", **FAST)  # isolate=False
    m = r.memory
    assert m is not None and m.scope == "shared process" and not m.isolated
    assert m.peak_scope == "process lifetime"
    assert m.rss_bytes >= 50 * MB
    assert "shared measuring process" in m.describe()


def test_saved_and_loaded_and_old_files_load(iris, tmp_path):
    X, y = iris
    r = pb.measure(MemoryHog(5), X, y, name="hog", **ISOLATED)
    path = tmp_path / "r.json"
    r.to_json(path)
    back = pb.ModelResult.from_json(path)
    assert back.memory == r.memory
    data = json.loads(path.read_text())
    del data["memory"]  # a file written before memory was recorded
    path.write_text(json.dumps(data))
    assert pb.ModelResult.from_json(path).memory is None


@pytest.mark.parametrize(
    "bad",
    [
        {"rss_bytes": -1, "peak_rss_bytes": 0},
        {"rss_bytes": 1, "peak_rss_bytes": 1.5},
        {"rss_bytes": 1, "peak_rss_bytes": 1, "scope": "moon"},
    ],
)
def test_malformed_saved_memory_is_a_schema_error(bad):
    with pytest.raises(SchemaError, match="memory"):
        WorkerMemory.from_dict(bad)
