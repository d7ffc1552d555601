"""``show`` renders every file prodbench writes, in every format; other commands name the kind.

Issue 21 point 5: a comparison, a sweep, a load test, a capacity and one
model's result, each in table, markdown, json and csv; foreign JSON is "not a
prodbench results file"; ``--output`` with a suffix the command does not
write is refused before anything runs; ``capacity`` and ``diff`` given another
kind say what it is and what to run instead, in command-line words.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from factories import make_comparison, make_result

from prodbench.cli import main
from prodbench.cli._common import FORMATS
from prodbench.cli._kinds import SAVED_KINDS
from prodbench.serving_results import LoadLatency, LoadTestResult
from prodbench.sweep_results import Sweep

LIBRARY_WORDS = ("from_json", "from_dict", "=None", "Load it with")


def _write(path, data):
    path.write_text(json.dumps(data))
    return str(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from prodbench import serving

    tmp = tmp_path_factory.mktemp("kinds")
    cmp = make_comparison([make_result("a"), make_result("b", seed=1)])
    old = (serving.CAPACITY_REPLICATES, serving.CAPACITY_REQUESTS)
    serving.CAPACITY_REPLICATES, serving.CAPACITY_REQUESTS = 4, 4000
    try:
        cap = cmp.capacity("p99=5ms", qps=500, workers=(1, 2))
    finally:
        serving.CAPACITY_REPLICATES, serving.CAPACITY_REQUESTS = old
    lat = LoadLatency(samples_ns=np.random.default_rng(0).integers(500_000, 900_000, 3000))
    lt = LoadTestResult(
        lat, offered_qps=300.0, requests=3000, duration_s=10.0, elapsed_s=10.0, workers=1,
        startup_s=0.8,
    )  # fmt: skip
    sw = Sweep(cases=("iris",), comparisons={"iris": cmp})
    out = {
        "Comparison": _write(tmp / "run.json", cmp.to_dict()),
        "Capacity": _write(tmp / "cap.json", cap.to_dict()),
        "LoadTestResult": _write(tmp / "lt.json", lt.to_dict()),
        "ModelResult": _write(tmp / "one.json", make_result("lone").to_dict()),
        "Sweep": _write(tmp / "sw.json", sw.to_dict()),
    }
    assert set(out) == set(SAVED_KINDS)  # every kind in the table is exercised here
    return out


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", sorted(SAVED_KINDS))
def test_show_renders_every_kind_in_every_format(files, kind, fmt, capsys):
    code = main(["show", files[kind], "--format", fmt])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert out.strip() and not err.strip()
    if fmt == "json":
        assert json.loads(out)["kind"] == kind
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows)
    elif fmt == "markdown":
        assert out.startswith(("**", "#", "|", "<!--"))


def test_show_exits_by_the_rule_of_the_command_that_wrote_the_file(files, tmp_path, capsys):
    from pathlib import Path

    lt = json.loads(Path(files["LoadTestResult"]).read_text())
    lt["dropped"] = 2000  # could not keep up: load-test exits 1
    assert main(["show", _write(tmp_path / "slow.json", lt)]) == 1
    assert main(["show", files["Capacity"]]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    "content, says",
    [
        ({"name": "mine", "values": [1, 2]}, "not a prodbench results file"),
        ([1, 2, 3], "not a prodbench results file: it holds a JSON array"),
        ("just text", "not a prodbench results file: it holds a JSON string"),
        ({"schema_version": 3}, "no 'kind'"),
        ({"schema_version": 3, "kind": "Calibration"}, "does not read"),
    ],
)
def test_foreign_json_is_not_a_prodbench_results_file(tmp_path, capsys, content, says):
    path = _write(tmp_path / "x.json", content)
    for command in (["show", path], ["capacity", path, "--budget", "p99=5ms"],
                    ["diff", path, path]):  # fmt: skip
        assert main(command) == 2
        out, err = capsys.readouterr()
        assert says in err and not out
        assert not any(word in err for word in LIBRARY_WORDS)
        assert "schema_version None" not in err


@pytest.mark.parametrize("kind", ["LoadTestResult", "Sweep", "Capacity", "ModelResult"])
def test_capacity_and_diff_name_the_kind_and_what_to_run(files, kind, capsys):
    path = files[kind]
    saved = SAVED_KINDS[kind]
    for command in (["capacity", path, "--budget", "p99=5ms"], ["diff", files["Comparison"], path]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert f"is {saved.what}" in err and saved.written_by in err
        assert "prodbench show" in err or "prodbench compare" in err
        assert not any(word in err for word in LIBRARY_WORDS)
        assert err.count("\n") == 1  # one paragraph, printed once


def test_show_plot_on_a_kind_without_a_figure_is_refused(files, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["show", files["LoadTestResult"], "--plot", str(tmp_path / "f.png")]) == 2
    err = capsys.readouterr().err
    assert "no figure" in err and "Drop --plot" in err
    assert not (tmp_path / "f.png").exists()


@pytest.mark.parametrize(
    "argv, suffix",
    [
        (["compare", "logreg", "knn", "--data", "iris", "--output", "{d}/x.parquet"], "parquet"),
        (["sweep", "logreg", "--data", "iris", "--output", "{d}/x.csv"], "csv"),
        (["capacity", "{run}", "--budget", "p99=5ms", "--output", "{d}/c.txt"], "txt"),
        (["load-test", "logreg", "--output", "{d}/lt.yaml"], "yaml"),
        (["report", "{run}", "--output", "{d}/page.pdf"], "pdf"),
    ],
)
def test_output_with_a_suffix_the_command_does_not_write_is_refused(
    files, tmp_path, capsys, argv, suffix
):
    import time

    argv = [a.format(d=tmp_path, run=files["Comparison"]) for a in argv]
    start = time.perf_counter()
    assert main(argv) == 2
    assert time.perf_counter() - start < 5  # refused before anything is measured
    err = capsys.readouterr().err
    assert f"not {suffix!r}" in err and "e.g. --output" in err
    assert not list(tmp_path.iterdir())


def test_output_json_and_report_html_are_still_accepted(files, tmp_path, capsys):
    assert main(["capacity", files["Comparison"], "--budget", "p99=5ms", "--workers", "1",
                 "--output", str(tmp_path / "c.json")]) == 0  # fmt: skip
    assert (tmp_path / "c.json").exists()
    capsys.readouterr()


# --------------------------------------------------------------------------- hostile P8
def test_a_failed_candidate_is_said_in_capacity_not_dropped(tmp_path, capsys, monkeypatch):
    import dataclasses

    from prodbench import serving
    from prodbench.verdict import Budget, FailedCandidate

    monkeypatch.setattr(serving, "CAPACITY_REPLICATES", 4)
    monkeypatch.setattr(serving, "CAPACITY_REQUESTS", 3000)
    failed = FailedCandidate("broken", "fit", "ValueError", "boom")
    cmp = make_comparison([make_result("a")], failures=(failed,), budget=Budget.parse("p99=5ms"))
    path = _write(tmp_path / "f.json", cmp.to_dict())
    assert main(["capacity", path, "--workers", "1", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    json.loads(out)  # the warning does not spoil the JSON on stdout
    assert "broken: not simulated, it failed during fit (ValueError)" in err
    text = " ".join(str(dataclasses.replace(cmp, options={"qps": 100.0})).split())
    assert "broken: not simulated, it failed during fit" in text


def test_empty_fit_times_are_refused_without_numpy_warnings(files, tmp_path, capsys):
    import warnings
    from pathlib import Path

    data = json.loads(Path(files["Comparison"]).read_text())
    data["results"]["a"]["training"]["fit_times_ns"] = []
    path = _write(tmp_path / "nofit.json", data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a "Mean of empty slice" would fail here
        assert main(["show", path]) == 2
    err = capsys.readouterr().err
    assert "training.fit_times_ns" in err and "at least one fit time" in err
