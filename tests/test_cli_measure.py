"""``prodbench measure SPEC``: one candidate, compare's options and outputs."""

from __future__ import annotations

import argparse
import json

import pytest

from prodbench.cli import COMMANDS, build_parser, main
from prodbench.cli import measure as measure_cli
from prodbench.verdict import Comparison

FAST = ["--max-time", "0.2", "--max-fit-time", "0.5", "--quiet", "--no-isolate"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _flags(command: str) -> set[str]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {flag for action in sub.choices[command]._actions for flag in action.option_strings} - {
        "-h",
        "--help",
    }


def test_measure_is_a_command_with_compare_options_for_one_candidate() -> None:
    assert measure_cli in COMMANDS
    compare, measure = _flags("compare"), _flags("measure")
    assert compare - measure == {"--candidates", "--baseline", "--runtime", "--qps"}
    assert measure <= compare


def test_measure_one_preset_json_and_output(capsys, tmp_path) -> None:
    out_file = tmp_path / "one.json"
    code, out, err = run(
        capsys, "measure", "lone=logreg", "--data", "iris", *FAST,
        "--format", "json", "--output", str(out_file),
    )  # fmt: skip
    assert code == 0, err
    printed = json.loads(out)
    assert list(printed["results"]) == ["lone"]
    assert printed["results"]["lone"]["score"]["name"] == "accuracy"
    saved = Comparison.from_json(out_file)
    assert saved.measured == ["lone"]
    assert saved.options["command"] == "measure"
    assert saved.results["lone"].options["fit"] is True


def test_measure_table_says_one_candidate_and_checks_the_budget(capsys) -> None:
    # --max-time 3: enough calls that the p50 is bounded even when they test dependent
    # (another test file running beside this one), where 1 s can leave too few
    # effective samples to decide
    code, out, err = run(
        capsys, "measure", "knn", "--data", "iris", *FAST, "--max-time", "3", "--budget", "p50=1ns"
    )
    assert code == 1  # knn cannot answer in a nanosecond
    assert "prodbench comparison: 1 candidate, baseline knn" in out
    assert "fails: knn" in " ".join(out.split())
    assert "no candidate passes the budget" in err


def test_measure_a_failing_candidate_is_exit_3_with_its_failure(capsys, tmp_path) -> None:
    csv = tmp_path / "d.csv"
    csv.write_text("city,x,label\n" + "".join(f"c{i % 3},{i},{i % 2}\n" for i in range(40)))
    code, out, err = run(
        capsys, "measure", "sklearn.svm:SVC", "--data", str(csv), "--target", "label", *FAST,
        "--format", "json",
    )  # fmt: skip
    assert code == 3
    assert "Traceback" not in err
    assert "could not convert string to float" in err
    assert list(json.loads(out)["failures"]) == ["SVC"]


def test_measure_takes_exactly_one_candidate(capsys) -> None:
    code, _, err = run(capsys, "measure", "logreg", "knn", "--data", "iris")
    assert code == 2 and "unrecognized arguments: knn" in err
    code, _, err = run(capsys, "measure", "--data", "iris")
    assert code == 2 and "SPEC" in err


def test_measure_help_shows_the_spec_and_examples(capsys) -> None:
    code, out, _ = run(capsys, "measure", "--help")
    assert code == 0
    assert "SPEC" in out and "prodbench measure logreg --data breast_cancer" in out
    assert "--baseline" not in out
