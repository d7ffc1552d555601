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


# --------------------------------------------------------------------------- capacity and verdict
GB = 1 << 30


def _with_memory(result, rss, peak=None, scope="worker"):
    import dataclasses

    mem = WorkerMemory(rss, None, rss if peak is None else peak, scope=scope)
    return dataclasses.replace(result, memory=mem)


def _comparison(big_gb=3.0):
    from factories import make_comparison, make_result

    return make_comparison(
        [
            _with_memory(make_result("small", latency_ms=1.0), 300 << 20),
            _with_memory(make_result("big", latency_ms=1.0, seed=1), int(big_gb * GB)),
        ]
    )


def test_capacity_counts_workers_per_host_and_hosts_needed():
    cmp = _comparison()
    cap = cmp.capacity(
        "p99=5ms", qps=3000, workers=(1, 8), host_memory="16GiB", replicates=4, requests=4000
    )
    assert cap.memory_per_worker("big") == 3 * GB
    assert cap.workers_per_host("big") == 5  # 16 // 3
    assert cap.workers_per_host("small") == (16 * GB) // (300 << 20)
    need = cap.workers_needed("big")
    assert need is not None and need >= 3  # 3000 QPS at ~1 ms needs 3+ workers
    assert cap.hosts_needed("big") == -(-need // 5)
    assert cap.hosts_needed("big", workers=8) == 2
    # Saved and read back with the memory and the host.
    from prodbench.serving_results import Capacity

    back = Capacity.from_dict(json.loads(json.dumps(cap.to_dict())))
    assert back.memory == cap.memory and back.host_memory == 16 * GB
    text = str(cap)
    assert "memory: per worker" in " ".join(text.split()) and "hosts" in text
    assert "3.22 GB per worker, 5 fit in a 17.2 GB host" in text.replace("\n    ", " ")


def test_a_worker_larger_than_the_host_fits_none():
    cap = _comparison(big_gb=20).capacity(
        "p99=5ms", qps=500, workers=(1,), host_memory=16 * GB, replicates=4, requests=4000
    )
    assert cap.workers_per_host("big") == 0 and cap.hosts_needed("big") is None
    assert "none fits" in str(cap)


def test_capacity_files_without_memory_still_load():
    from prodbench.serving_results import Capacity

    cap = _comparison().capacity("p99=5ms", workers=(1,), replicates=4, requests=4000)
    data = cap.to_dict()
    del data["memory"], data["host_memory"]
    back = Capacity.from_dict(data)
    assert back.memory == {} and back.host_memory is None
    assert "memory" not in str(back)


def test_infrastructure_line_uses_memory_and_hosts(monkeypatch):
    import dataclasses

    from prodbench import serving

    monkeypatch.setattr(serving, "CAPACITY_REPLICATES", 4)
    monkeypatch.setattr(serving, "CAPACITY_REQUESTS", 4000)
    cmp = _comparison()
    cmp = dataclasses.replace(cmp, options={"qps": 3000, "host_memory": 16 * GB})
    cmp = dataclasses.replace(cmp, budget=pb.Budget.parse("p99=5ms"))
    infra = next(s for s in cmp.stakeholders if s.role == "Infrastructure")
    assert "per worker" in infra.reason
    assert "host" in infra.reason and "fit in each" in infra.reason


def test_report_shows_memory_column_and_says_when_it_is_the_shared_process():
    from factories import make_comparison, make_result

    shared = make_comparison(
        [
            _with_memory(make_result("a"), 400 << 20, scope="shared process"),
            _with_memory(make_result("b", seed=1), 400 << 20, scope="shared process"),
        ]
    )
    text = str(shared)
    assert "memory" in text and "419 MB" in text
    assert "shared process" in text and "overestimate" in text
    plain = str(make_comparison([make_result("a"), make_result("b", seed=1)]))
    assert "memory" not in plain.lower()


def test_cli_capacity_host_memory(tmp_path, monkeypatch, capsys):
    from prodbench import serving
    from prodbench.cli import main

    monkeypatch.setattr(serving, "CAPACITY_REPLICATES", 4)
    monkeypatch.setattr(serving, "CAPACITY_REQUESTS", 4000)
    path = tmp_path / "run.json"
    _comparison().to_json(path)
    argv = ["capacity", str(path), "--budget", "p99=5ms", "--qps", "3000", "--workers", "1,8"]
    assert main([*argv, "--host-memory", "16GiB"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "5 fit in a 17.2 GB host" in out and "hosts" in out
    assert max(map(len, str(_comparison()).splitlines())) <= 80
    for bad in ("16", "-1GB", "0GB", "lots"):
        assert main([*argv, f"--host-memory={bad}"]) == 2
        err = capsys.readouterr().err
        assert "--host-memory" in err and "16GB" in err and "Traceback" not in err


def test_cli_compare_host_memory_needs_qps(capsys):
    from prodbench.cli import main

    assert main(["compare", "logreg", "knn", "--data", "iris", "--host-memory", "8GB"]) == 2
    assert "--qps" in capsys.readouterr().err
