"""Saved results: the JSON layout's schema_version and the migration of older files on load.

``tests/data/*_v1.json`` were written by prodbench at schema_version 1 (a real
comparison of two scikit-learn models on breast-cancer data, and one measured
result). They must keep loading, showing and diffing after every layout change.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prodbench import results
from prodbench.cli import main
from prodbench.errors import SchemaError
from prodbench.results import SCHEMA_VERSION, ModelResult, check_schema, migrate
from prodbench.verdict import Comparison

DATA = Path(__file__).parent / "data"
V1_COMPARISON = DATA / "comparison_v1.json"
V1_RESULT = DATA / "result_v1.json"


def test_committed_files_are_version_1() -> None:
    for path in (V1_COMPARISON, V1_RESULT):
        assert json.loads(path.read_text(encoding="utf-8"))["schema_version"] == 1


def test_version_1_comparison_loads_and_resaves_at_the_current_version(tmp_path: Path) -> None:
    cmp = Comparison.from_json(V1_COMPARISON)
    assert cmp.names == ("lone", "tree")
    assert cmp.results["lone"].latency.n > 1000
    assert "lone" in str(cmp) and "tree" in str(cmp)
    out = tmp_path / "now.json"
    cmp.to_json(out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION
    assert all(r["schema_version"] == SCHEMA_VERSION for r in data["results"].values())
    again = Comparison.from_json(out)
    assert again.results["tree"].latency.p99 == cmp.results["tree"].latency.p99


def test_version_1_result_loads() -> None:
    result = ModelResult.from_json(V1_RESULT)
    assert result.score.name == "accuracy"
    assert str(result).startswith(result.name)


def test_cli_shows_and_diffs_a_version_1_file_against_a_current_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", str(V1_COMPARISON)]) == 0
    assert "RESEARCH PRIORITY" in capsys.readouterr().out
    current = tmp_path / "current.json"
    Comparison.from_json(V1_COMPARISON).to_json(current)
    assert main(["diff", str(V1_COMPARISON), str(current)]) == 0
    out = capsys.readouterr().out
    assert "lone" in out and "tree" in out


def test_migrations_run_step_by_step(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []

    def step(version: int):  # type: ignore[no-untyped-def]
        def run(doc):  # type: ignore[no-untyped-def]
            seen.append(doc["schema_version"])
            return {**doc, f"added_by_{version}": True}

        return run

    future = SCHEMA_VERSION + 1
    monkeypatch.setattr(results, "SCHEMA_VERSION", future)
    monkeypatch.setitem(results._MIGRATIONS, SCHEMA_VERSION, step(SCHEMA_VERSION))
    doc = migrate({"schema_version": 1, "kind": "ModelResult"})
    assert doc["schema_version"] == future
    assert seen == [SCHEMA_VERSION]  # the earlier steps ran first, each once
    assert doc[f"added_by_{SCHEMA_VERSION}"] is True


def test_comparison_results_are_migrated_too() -> None:
    data = json.loads(V1_COMPARISON.read_text(encoding="utf-8"))
    doc = check_schema(data, "Comparison")
    assert doc["schema_version"] == SCHEMA_VERSION
    assert {r["schema_version"] for r in doc["results"].values()} == {SCHEMA_VERSION}
    assert data["schema_version"] == 1  # the input is left alone


@pytest.mark.parametrize(
    ("version", "match"),
    [
        (SCHEMA_VERSION + 1, "newer prodbench wrote it: upgrade"),
        (0, "schema_version 0"),
        ("1", "schema_version '1'"),
        (None, "schema_version None"),
        (True, "schema_version True"),
    ],
)
def test_unknown_versions_are_a_clear_schema_error(version: object, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        check_schema({"schema_version": version, "kind": "Comparison"}, "Comparison")


def test_every_older_version_has_a_migration_step() -> None:
    assert sorted(results._MIGRATIONS) == list(range(1, SCHEMA_VERSION))
