"""The command line, through ``main([...])`` and one real subprocess run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from factories import make_comparison, make_result

from prodbench.cli import main, parse_fail_on
from prodbench.errors import SpecError
from prodbench.verdict import Comparison

FAST = ["--max-time", "0.2", "--max-fit-time", "0.5", "--quiet"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("prodbench: error: "), err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- basics
def test_version_and_help(capsys) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("prodbench ")
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "exit codes (one rule" in out and "run code from the file" in out
    code, out, _ = run(capsys, "compare", "--help")
    assert code == 0 and "module:Class(k=v, ...)" in out and "exit codes (0, 1, 2, 3, 130)" in out


def test_no_command_prints_help_and_exits_2(capsys) -> None:
    code, out, err = run(capsys)
    assert code == 2 and out == "" and "compare" in err


def test_usage_errors_are_one_line(capsys) -> None:
    code, _, err = run(capsys, "compare", "--max-time", "abc")
    assert code == 2
    assert_one_line_error(err)
    code, _, err = run(capsys, "frobnicate")
    assert code == 2
    assert_one_line_error(err)


def test_datasets(capsys) -> None:
    code, out, _ = run(capsys, "datasets")
    assert code == 0
    assert out.splitlines()[0].split()[:4] == ["name", "rows", "features", "task"]
    for name in ("breast_cancer", "digits", "wine", "iris", "diabetes", "synthetic"):
        assert name in out
    assert "classification" in out and "regression" in out


# --------------------------------------------------------------------------- compare
def test_compare_json_output_and_show_round_trip(capsys, tmp_path) -> None:
    out_file = tmp_path / "res.json"
    code, out, err = run(
        capsys,
        "compare",
        "lone=logreg",
        "knn",
        "--data",
        "iris",
        "--format",
        "markdown",
        "--output",
        str(out_file),
        *FAST,
    )
    assert code == 0, err
    assert err == ""  # --quiet and no failure: nothing on stderr
    assert "lone" in out and "knn" in out and "|" in out
    saved = json.loads(out_file.read_text())
    assert saved["kind"] == "Comparison" and saved["names"] == ["lone", "knn"]
    assert len(saved["results"]["lone"]["latency"]["samples_ns"]) > 0
    assert "partial" not in saved["options"]
    lone = saved["summary"]["candidates"]["lone"]
    assert lone["latency"]["n"] > 0 and lone["latency"]["p99"]["value_s"] > 0
    assert saved["summary"]["verdict"]

    code, shown, _ = run(capsys, "show", str(out_file), "--format", "markdown")
    assert code == 0 and "lone" in shown and "knn" in shown
    code, table, _ = run(capsys, "show", str(out_file))
    assert code == 0 and "Verdict" in table


def test_compare_format_json_and_csv(capsys, tmp_path) -> None:
    code, out, _ = run(
        capsys, "compare", "logreg", "knn", "--data", "iris", "--format", "json", *FAST
    )
    assert code == 0
    assert set(json.loads(out)["summary"]["candidates"]) == {"logreg", "knn"}
    code, out, _ = run(
        capsys, "compare", "logreg", "knn", "--data", "iris", "--format", "csv", *FAST
    )
    assert code == 0 and "logreg" in out.splitlines()[1]


def test_budget_that_nobody_passes_exits_1(capsys) -> None:
    code, out, _ = run(
        capsys, "compare", "logreg", "knn", "--data", "iris", "--budget", "p50=1ns", *FAST
    )
    assert code == 1
    assert "Production pick: none" in out


def test_regression_target_uses_regressor_presets(capsys, tmp_path) -> None:
    out_file = tmp_path / "reg.json"
    code, _, err = run(
        capsys, "compare", "logreg", "knn", "--data", "diabetes", "--output", str(out_file), *FAST
    )
    assert code == 0, err
    saved = json.loads(out_file.read_text())
    assert saved["results"]["logreg"]["task"] == "regression"
    assert saved["results"]["knn"]["task"] == "regression"  # a scaled KNeighborsRegressor
    assert saved["summary"]["candidates"]["knn"]["score"]["name"] == "r2"


FAILING_CANDIDATES = """
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

class Broken:
    def fit(self, X, y):
        raise RuntimeError("this model always fails")
    def predict(self, X):
        return X[:, 0]

CANDIDATES = {"lone": LogisticRegression(max_iter=1000), "broken": Broken(),
              "knn": KNeighborsClassifier()}
"""


def test_failed_candidate_keeps_the_others(capsys, tmp_path) -> None:
    cands = tmp_path / "cands.py"
    cands.write_text(FAILING_CANDIDATES)
    out_file = tmp_path / "partial.json"
    code, out, err = run(
        capsys,
        "compare",
        "--candidates",
        str(cands),
        "--data",
        "synthetic:n_samples=300,n_features=5",
        "--output",
        str(out_file),
        *FAST,
    )
    assert code == 3
    assert "Traceback" not in err and "this model always fails" in err
    assert "lone" in out and "knn" in out and "broken" in out
    saved = Comparison.from_json(out_file)
    assert saved.measured == ["lone", "knn"]
    assert list(saved.failures) == ["broken"]


def test_partial_results_are_written_as_each_candidate_finishes(tmp_path, monkeypatch) -> None:
    import prodbench as pb

    out_file = tmp_path / "res.json"
    seen: list[list[str]] = []
    real_compare = pb.compare

    def spying_compare(*args, **kwargs):
        on_result = kwargs["on_result"]

        def wrapped(name, result):
            on_result(name, result)
            seen.append(sorted(json.loads(out_file.read_text())["results"]))

        kwargs["on_result"] = wrapped
        return real_compare(*args, **kwargs)

    monkeypatch.setattr(pb, "compare", spying_compare)
    code = main(["compare", "logreg", "knn", "--data", "iris", "--output", str(out_file), *FAST])
    assert code == 0
    assert len(seen) == 2 and len(seen[0]) == 1 and seen[1] == ["knn", "logreg"]


def test_interrupt_exits_130_and_names_the_saved_file(capsys, tmp_path, monkeypatch) -> None:
    import prodbench as pb

    out_file = tmp_path / "res.json"
    real_compare = pb.compare

    def interrupted_compare(*args, **kwargs):
        on_result = kwargs["on_result"]

        def wrapped(name, result):
            on_result(name, result)
            raise KeyboardInterrupt

        kwargs["on_result"] = wrapped
        return real_compare(*args, **kwargs)

    monkeypatch.setattr(pb, "compare", interrupted_compare)
    code, out, err = run(
        capsys, "compare", "logreg", "knn", "--data", "iris", "--output", str(out_file), *FAST
    )
    assert code == 130 and out == ""
    partial = json.loads(out_file.read_text())
    done = partial["options"]["finished"]
    [cut] = partial["options"]["interrupted"]  # the other one: what it had so far
    assert len(done) == 1 and cut not in done
    assert err.strip() == (
        f"prodbench: interrupted; finished candidates ({done[0]}) and the phases and latency "
        f"samples measured so far of {cut} (marked interrupted) saved in {out_file}"
    )
    assert partial["options"]["partial"] is True and len(partial["results"]) == 2
    assert partial["results"][cut]["options"]["interrupted"] is True
    assert partial["results"][cut]["latency"]["stop_reason"] == "interrupted"


def test_plot_option(capsys, tmp_path) -> None:
    res = tmp_path / "res.json"
    make_comparison([make_result("a"), make_result("b", latency_ms=3.0, seed=1)]).to_json(res)
    code, _, err = run(capsys, "show", str(res), "--plot", str(tmp_path / "fig.png"))
    assert code == 0, err
    assert (tmp_path / "fig.png").stat().st_size > 0


# --------------------------------------------------------------------------- bad input
@pytest.fixture
def csv_files(tmp_path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    rows = [f"{a:.3f},{b:.3f},{int(a > 0)}" for a, b in rng.normal(size=(40, 2))]
    files = {
        "good": "a,b,label\n" + "\n".join(rows) + "\n",
        "text": "a,colour,label\n" + "\n".join(f"{i},red,{i % 2}" for i in range(40)) + "\n",
        "missing": "a,b,label\n1,2,\n" + "\n".join(rows[1:]) + "\n",
        "short": "a,b,label\n" + "\n".join(rows[:5]) + "\n",
    }
    out = {}
    for name, text in files.items():
        out[name] = tmp_path / f"{name}.csv"
        out[name].write_text(text)
    return out


def bad_inputs(tmp_path: Path, csv_files: dict[str, Path]) -> dict[str, tuple[list[str], str]]:
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"schema_version": 1, "kind": "Compar')
    future = tmp_path / "future.json"
    future.write_text(json.dumps({"schema_version": 999, "kind": "Comparison"}))
    not_model = tmp_path / "nm.joblib"
    import joblib

    joblib.dump({"not": "a model"}, not_model)
    data = ["--data", "iris", *FAST]
    return {
        "unknown preset": (["compare", "logreg", "forrest", *data], "Unknown preset 'forrest'"),
        "module does not import": (["compare", "logreg", "nosuchmod_q:X", *data], "import"),
        "not a class": (
            ["compare", "logreg", "sklearn.linear_model:ridge_regression", *data],
            "not a class",
        ),
        "bad arguments": (
            ["compare", "logreg", "sklearn.linear_model:Ridge(alpah=1)", *data],
            "could not be created",
        ),
        "file does not exist": (["compare", "logreg", "nope.joblib", *data], "No model file"),
        "file is not a model": (["compare", "logreg", str(not_model), *data], "not a model"),
        "csv without target column": (
            ["compare", "logreg", "knn", "--data", str(csv_files["good"]), "--target", "y"],
            "y",
        ),
        "csv missing target": (
            ["compare", "logreg", "knn", "--data", str(csv_files["missing"]), "--target", "label"],
            "without a target value",
        ),
        "csv too few rows": (
            ["compare", "logreg", "knn", "--data", str(csv_files["short"]), "--target", "label"],
            "rows",
        ),
        "unknown dataset": (["compare", "logreg", "knn", "--data", "mnist"], "Unknown dataset"),
        "bad budget": (["compare", "logreg", "knn", "--budget", "p99 is fast"], "budget"),
        "test size too big": (["compare", "logreg", "knn", "--test-size", "1.5"], "--test-size"),
        "test size zero": (["compare", "logreg", "knn", "--test-size", "0"], "--test-size"),
        "one candidate": (["compare", "logreg", *data], "at least two candidates"),
        "unknown baseline": (
            ["compare", "logreg", "knn", "--baseline", "x", *data],
            "Unknown --baseline",
        ),
        "duplicate names": (["compare", "knn", "knn", *data], "Two candidates are named"),
        "corrupt json": (["show", str(corrupt)], "not valid JSON"),
        "unknown schema": (["show", str(future)], "schema_version 999"),
        "missing results file": (["show", str(tmp_path / "none.json")], "No results file"),
        "diff corrupt": (["diff", str(corrupt), str(corrupt)], "not valid JSON"),
        "bad fail-on": (["diff", str(corrupt), str(corrupt), "--fail-on", "p99=fast"], "fail-on"),
    }


CASES = [
    "unknown preset",
    "module does not import",
    "not a class",
    "bad arguments",
    "file does not exist",
    "file is not a model",
    "csv without target column",
    "csv missing target",
    "csv too few rows",
    "unknown dataset",
    "bad budget",
    "test size too big",
    "test size zero",
    "one candidate",
    "unknown baseline",
    "duplicate names",
    "corrupt json",
    "unknown schema",
    "missing results file",
    "diff corrupt",
    "bad fail-on",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, csv_files, case: str) -> None:
    argv, needle = bad_inputs(tmp_path, csv_files)[case]
    code, out, err = run(capsys, *argv)
    assert code == 2, err
    assert out == ""
    assert_one_line_error(err)
    assert needle.lower() in err.lower()


def test_debug_shows_the_traceback(tmp_path) -> None:
    with pytest.raises(SpecError):
        main(["compare", "logreg", "forrest", "--data", "iris", "--debug"])


# --------------------------------------------------------------------------- diff
def test_fail_on_parsing() -> None:
    assert parse_fail_on("p99=+10%, p50=20%,score=-0.5pp") == {
        "p99": pytest.approx(0.1),
        "p50": pytest.approx(0.2),
        "score": pytest.approx(0.005),
    }
    assert parse_fail_on("score=-0.01") == {"score": 0.01}
    for bad in ("p99=10ms", "p42=+10%", "score=-x", "p99=+1%,p99=+2%", ","):
        with pytest.raises(SpecError):
            parse_fail_on(bad)


@pytest.fixture
def runs(tmp_path) -> tuple[Path, Path, Path]:
    """Old run, a run 30% slower at the same score, and the old run again (reseeded)."""
    old = make_comparison(
        [make_result("lone", latency_ms=1.0, seed=1), make_result("ens", latency_ms=3.0, seed=2)]
    )
    slower = make_comparison(
        [make_result("lone", latency_ms=1.3, seed=1), make_result("new", latency_ms=3.0, seed=2)]
    )
    same = make_comparison(
        [make_result("lone", latency_ms=1.0, seed=3), make_result("ens", latency_ms=3.0, seed=4)]
    )
    paths = tmp_path / "old.json", tmp_path / "slow.json", tmp_path / "same.json"
    for cmp, path in zip((old, slower, same), paths, strict=True):
        cmp.to_json(path)
    return paths


def test_diff_reports_absolute_values_ratios_and_one_sided_candidates(capsys, runs) -> None:
    old, slow, _ = runs
    code, out, _ = run(capsys, "diff", str(old), str(slow))
    assert code == 0
    assert "lone:" in out and "new/old 1.30x" in out
    assert re.search(r"p99  old [\d.]+ ms \(n=5,000\)  new [\d.]+ ms \(n=5,000\)", out), out
    assert f"only in {old}: ens" in out and f"only in {slow}: new" in out


def test_diff_fail_on_trips_on_the_threshold_not_on_significance(capsys, runs) -> None:
    old, slow, same = runs
    code, _, err = run(capsys, "diff", str(old), str(slow), "--fail-on", "p99=+10%")
    assert code == 1
    assert "prodbench: --fail-on tripped: lone: p99=+10% TRIPPED: p99 ratio [1." in err
    # ens, gated, is not in the new run: undecided, named (issue 18: it passed silently)
    assert "ens: p99=+10% UNDECIDED: not in the new run" in err
    code, _, err = run(capsys, "diff", str(old), str(slow), "--fail-on", "p99=+30%")
    assert code == 1 and "lone" not in err  # lone: exactly 1.30x, not shown beyond +30%
    code, _, _ = run(
        capsys, "diff", str(old), str(slow), "--fail-on", "p99=+30%", "--on-undecided", "pass"
    )
    assert code == 0
    code, out, err = run(capsys, "diff", str(old), str(same), "--fail-on", "p99=+10%,p50=+10%")
    assert code == 0 and err == ""
    assert "Holm-controlled over 4 gate(s)" in out


def test_diff_json_and_score_limit(capsys, tmp_path) -> None:
    y = np.arange(1000) % 2
    worse = np.ones(1000, dtype=bool)
    worse[:100] = False
    old = make_comparison([make_result("m", correct=np.ones(1000, bool), y_true=y)])
    new = make_comparison([make_result("m", correct=worse, y_true=y)])
    old.to_json(tmp_path / "a.json")
    new.to_json(tmp_path / "b.json")
    a, b = str(tmp_path / "a.json"), str(tmp_path / "b.json")
    code, out, _ = run(capsys, "diff", a, b, "--fail-on", "score=-0.5pp", "--format", "json")
    assert code == 1
    payload = json.loads(out)
    assert payload["tripped"] is True
    score = payload["candidates"]["m"]["score"]
    assert score["change"] == pytest.approx(-0.1) and score["significant"] is True
    assert score["high"] < -0.005 and score["paired"] is True
    assert payload["gates"][0]["status"] == "tripped"
    # a drop whose interval reaches above the limit does not trip
    code, _, _ = run(capsys, "diff", a, b, "--fail-on", "score=-9pp")
    assert code == 0


def test_diff_undecided_gate_fails_unless_told(capsys, tmp_path) -> None:
    old = make_comparison([make_result("m", n=100)])  # p99 of 100 samples: no upper bound
    new = make_comparison([make_result("m", seed=1)])
    old.to_json(tmp_path / "a.json")
    new.to_json(tmp_path / "b.json")
    a, b = str(tmp_path / "a.json"), str(tmp_path / "b.json")
    code, out, err = run(capsys, "diff", a, b, "--fail-on", "p99=+10%")
    assert code == 1
    assert "p99=+10% UNDECIDED: the old run's p99 has no upper bound (n=100" in err
    assert "\u2020" in out  # under-sampled p99 marked
    code, _, err = run(capsys, "diff", a, b, "--fail-on", "p99=+10%", "--on-undecided", "pass")
    assert code == 0 and "passes (--on-undecided pass)" in err


def test_diff_undersampled_slower_run_still_trips(capsys, tmp_path) -> None:
    old = make_comparison([make_result("m", latency_ms=1.0)])
    new = make_comparison([make_result("m", latency_ms=1.5, n=500, seed=1)])  # fewer samples
    old.to_json(tmp_path / "a.json")
    new.to_json(tmp_path / "b.json")
    code, out, _ = run(
        capsys, "diff", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--fail-on", "p99=+10%"
    )
    assert code == 1
    assert "under-sampled percentile" in out


def test_diff_input_errors_exit_2(capsys, tmp_path) -> None:
    make_comparison([make_result("a"), make_result("b", seed=1)]).to_json(tmp_path / "a.json")
    make_comparison([make_result("c"), make_result("d", seed=1)]).to_json(tmp_path / "b.json")
    a, b = str(tmp_path / "a.json"), str(tmp_path / "b.json")
    code, _, err = run(capsys, "diff", a, b)
    assert code == 2 and "No candidate was measured in both runs" in err
    assert len(err.strip().splitlines()) == 1
    for bad in ("p99=+nan%", "p99=+inf%", "score=-infpp"):
        code, _, err = run(capsys, "diff", a, a, "--fail-on", bad)
        assert code == 2 and "not a finite number" in err, bad


def test_diff_warns_when_environments_or_data_differ(capsys, tmp_path) -> None:
    import dataclasses

    base = make_result("m")
    env = {**base.environment, "cpu_model": "A", "load_average": [0.1, 0.1, 0.1]}
    old = dataclasses.replace(base, environment=env)
    score = dataclasses.replace(base.score, rows_digest="other")
    new = dataclasses.replace(
        make_result("m", seed=1),
        score=score,
        environment={**env, "cpu_model": "B", "load_average": [3.0, 2.0, 1.0]},
    )
    make_comparison([old]).to_json(tmp_path / "a.json")
    make_comparison([new]).to_json(tmp_path / "b.json")
    code, out, err = run(capsys, "diff", str(tmp_path / "a.json"), str(tmp_path / "b.json"))
    assert code == 0
    assert "CPU differs: old A, new B" in err
    assert "machine load differs" in err
    assert "scored different data" in err and "(unpaired: different rows)" in out


def test_diff_failed_candidate_exits_3(capsys, tmp_path) -> None:
    from prodbench.verdict import FailedCandidate

    make_comparison([make_result("a"), make_result("b", seed=1)]).to_json(tmp_path / "a.json")
    make_comparison(
        [make_result("a", seed=2)], failures=[FailedCandidate("b", "fit", "RuntimeError", "x")]
    ).to_json(tmp_path / "b.json")
    code, _, err = run(
        capsys, "diff", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--fail-on", "p99=+10%"
    )
    assert code == 3 and "failed in" in err


def test_every_help_states_the_exit_code_rule(capsys) -> None:
    """The rule in full in the top-level help; every subcommand's help points to it."""
    import argparse

    from prodbench.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "2, then 3, then 1, then 0" in " ".join(out.split())
    for name in sub.choices:
        code, out, _ = run(capsys, name, "--help")
        words = " ".join(out.split())
        assert code == 0
        assert "one rule for every command, see 'prodbench --help'" in words, name
        assert "2, then 3, then 1, then 0" not in words, name


# --------------------------------------------------------------------------- subprocess
def test_real_subprocess_run(tmp_path) -> None:
    out_file = tmp_path / "out.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "prodbench",
            "compare",
            "logreg",
            "knn",
            "--data",
            "iris",
            "--max-time",
            "0.3",
            "--format",
            "json",
            "--output",
            str(out_file),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    printed = json.loads(proc.stdout)
    assert set(printed["results"]) == {"logreg", "knn"}
    assert out_file.exists()
    assert Comparison.from_json(out_file).measured == ["logreg", "knn"]


def test_interrupt_without_output_says_nothing_was_saved(capsys, monkeypatch) -> None:
    import prodbench as pb

    def interrupted_compare(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pb, "compare", interrupted_compare)
    code, _, err = run(capsys, "compare", "logreg", "knn", "--data", "iris", *FAST)
    assert code == 130
    assert err.strip() == (
        "prodbench: interrupted; nothing saved (--output FILE keeps finished candidates)"
    )


def test_show_fits_80_columns_and_uses_cli_words(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    res = tmp_path / "res.json"
    make_comparison(
        [make_result("logreg", latency_ms=0.2), make_result("ensemble", latency_ms=9.0, seed=1)]
    ).to_json(res)
    code, out, _ = run(capsys, "show", str(res))
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "pass --budget to check" in out and "budget=" not in out


def test_show_exits_1_when_every_candidate_fails_or_is_undecided(capsys, tmp_path) -> None:
    from prodbench.verdict import Budget

    # p99 ~2.65 ms against 2.5 ms from 300 samples: undecided; "slow" fails.
    close = make_result("close", latency_ms=2.65 / np.exp(2.326 * 0.3), spread=0.3, n=300)
    slow = make_result("slow", latency_ms=5.0, seed=1)
    make_comparison([close, slow], budget=Budget(p99="2.5ms")).to_json(tmp_path / "r.json")
    code, out, err = run(capsys, "show", str(tmp_path / "r.json"))
    assert code == 1
    assert "no candidate passes the budget p99 < 2.5 ms (fails: slow; undecided: close" in err
    assert "close is undecided against the budget" in " ".join(out.split())
    ok = make_result("ok", latency_ms=0.5, seed=2)
    make_comparison([close, ok], budget=Budget(p99="2.5ms")).to_json(tmp_path / "s.json")
    code, _, err = run(capsys, "show", str(tmp_path / "s.json"))
    assert code == 0 and err == ""


# --------------------------------------------------------------------------- help, presets, options
def _subparsers():
    import argparse

    from prodbench.cli import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


def test_every_help_has_examples_and_every_option_its_default(capsys) -> None:
    import argparse

    for name, sub in _subparsers().items():
        assert "example" in sub.format_help(), f"{name} --help has no example"
        for action in sub._actions:
            if not action.option_strings or isinstance(action, argparse._HelpAction):
                continue
            assert "default" in (action.help or ""), f"{name} {action.option_strings[-1]}"
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "examples:" in out and "prodbench presets" in out
    code, out, _ = run(capsys, "compare", "--help")
    assert code == 0
    assert "examples:" in out and "--request-format" in out and "--test-data" in out


def test_presets_command_says_what_each_preset_is(capsys) -> None:
    from prodbench.models import PRESETS

    code, out, _ = run(capsys, "presets")
    assert code == 0
    for name in PRESETS:
        assert f"\n{name} " in out
    assert "50 trees" in out and "Ridge" in out and "StandardScaler + KNeighbors" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_knn_preset_is_scaled() -> None:
    from prodbench.models import make_preset

    for task in ("classification", "regression"):
        steps = [type(step).__name__ for step in make_preset("knn", task)]
        assert steps[0] == "StandardScaler" and steps[-1].startswith("KNeighbors")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--request-format", "arrow"], "invalid choice"),
        (["--batch-sizes", "1,x"], "positive whole numbers"),
        (["--scoring", "f2"], "Unknown scoring 'f2'"),
    ],
)
def test_bad_new_options_are_usage_errors(capsys, argv, message) -> None:
    code, _, err = run(capsys, "compare", "logreg", "knn", *argv)
    assert code == 2 and message in err


def test_options_reach_the_library_and_presets_are_timed_on_arrays(capsys, tmp_path) -> None:
    out_file = tmp_path / "r.json"
    code, out, err = run(
        capsys, "compare", "logreg", "knn", "--data", "diabetes", "--scoring",
        "neg_mean_absolute_error", "--batch-sizes", "1,7", "--precision", "0.2",
        "--output", str(out_file), *FAST,
    )  # fmt: skip
    assert code == 0, err
    saved = json.loads(out_file.read_text())
    logreg = saved["results"]["logreg"]
    assert logreg["score"]["name"] == "neg_mean_absolute_error"
    assert logreg["latency"]["request_format"] == "numpy"
    assert [b["batch_size"] for b in logreg["throughput"]["batches"]][:2] == [1, 7]
    assert saved["options"]["precision"] == 0.2
    assert "one-row numpy-array requests" in " ".join(out.split())
    code, out, err = run(
        capsys, "compare", "logreg", "knn", "--data", "iris", "--request-format", "pandas",
        "--output", str(out_file), *FAST,
    )  # fmt: skip
    assert code == 0, err
    saved = json.loads(out_file.read_text())
    assert {r["latency"]["request_format"] for r in saved["results"].values()} == {"pandas"}


@pytest.fixture
def iris_files(tmp_path):
    """iris as train.csv / test.csv, and model.joblib fitted on ALL rows with column names."""
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    frame = load_iris(as_frame=True).frame
    shuffled = frame.sample(frac=1.0, random_state=0)
    train, test = shuffled.iloc[:100], shuffled.iloc[100:]
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    frame.to_csv(tmp_path / "all.csv", index=False)
    model = LogisticRegression(max_iter=1000).fit(frame.drop(columns="target"), frame["target"])
    joblib.dump(model, tmp_path / "model.joblib")
    return tmp_path


def test_fitted_file_is_scored_on_named_held_out_rows(capsys, iris_files) -> None:
    d = iris_files
    common = ["--target", "target", "--output", str(d / "r.json"), "--no-isolate", *FAST]
    # --test-data: every candidate is scored on test.csv's 50 rows
    code, out, err = run(
        capsys, "compare", f"{d / 'model.joblib'}", "logreg", "--data", str(d / "train.csv"),
        "--test-data", str(d / "test.csv"), *common,
    )  # fmt: skip
    assert code in (0, 1), err
    saved = json.loads((d / "r.json").read_text())
    assert {c["score"]["n"] for c in saved["summary"]["candidates"].values()} == {50}
    # the file was fitted with column names: DataFrame rows; the preset: arrays
    assert saved["results"]["model"]["latency"]["request_format"] == "pandas"
    assert saved["results"]["logreg"]["latency"]["request_format"] == "numpy"
    assert "may have been trained on" not in out
    # every candidate pre-fitted: all of --data is held out
    code, out, err = run(
        capsys, "compare", f"a={d / 'model.joblib'}", f"b={d / 'model.joblib'}", "--data",
        str(d / "test.csv"), *common,
    )  # fmt: skip
    assert code in (0, 1), err
    saved = json.loads((d / "r.json").read_text())
    assert {c["score"]["n"] for c in saved["summary"]["candidates"].values()} == {50}
    # a fitted file and a preset on one random split: measured, and warned about
    code, out, err = run(
        capsys, "compare", f"{d / 'model.joblib'}", "logreg", "--data", str(d / "all.csv"),
        *common,
    )  # fmt: skip
    assert code in (0, 1), err
    text = " ".join(out.split())
    assert "! model was fitted before this run" in text and "--test-data FILE" in text
    saved = json.loads((d / "r.json").read_text())
    assert saved["options"]["warnings"] and saved["summary"]["warnings"]
