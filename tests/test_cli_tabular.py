"""The README's headline on a mixed CSV, end to end: a fitted pipeline file against a preset."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def _write_mixed(tmp_path: Path, *, gaps: bool = False) -> None:
    rng = np.random.default_rng(0)
    n = 400
    city = rng.choice(["paris", "lyon", "nice", "lille"], n)
    age = rng.normal(40, 10, n).round(1)
    member = rng.random(n) < 0.4
    logit = (age - 40) / 10 + (city == "paris") * 1.0 + member * 0.8
    label = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    frame = pd.DataFrame({"city": city, "age": age, "member": member, "label": label})
    if gaps:
        frame.loc[::9, "age"] = np.nan
    frame.iloc[:300].to_csv(tmp_path / "train.csv", index=False)
    frame.iloc[300:].to_csv(tmp_path / "test.csv", index=False)


def _fit_pipeline_file(tmp_path: Path) -> None:
    import joblib
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    train = pd.read_csv(tmp_path / "train.csv")
    front = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["city"]),
        (StandardScaler(), ["age"]),
        remainder="passthrough",
    )
    model = make_pipeline(front, LogisticRegression(max_iter=1000))
    joblib.dump(model.fit(train.drop(columns="label"), train["label"]), tmp_path / "model.joblib")


def _cli(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "prodbench", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )


def test_readme_example_on_a_mixed_csv(tmp_path: Path) -> None:
    _write_mixed(tmp_path)
    _fit_pipeline_file(tmp_path)
    proc = _cli(
        tmp_path,
        "compare", "model.joblib", "logreg", "--data", "train.csv", "--test-data", "test.csv",
        "--target", "label", "--max-time", "0.5", "--output", str(tmp_path / "run.json"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    text = " ".join(proc.stdout.split())
    assert "model 0." in text and "logreg 0." in text
    assert "logreg: features encoded on the training rows: city one-hot (4 values)" in text
    assert "age numeric, scaled; member boolean as 0/1, scaled" in text
    assert "one-row DataFrame requests" in text
    saved = json.loads((tmp_path / "run.json").read_text())
    assert saved["results"]["model"]["latency"]["request_format"] == "pandas"


def test_missing_values_reach_the_models_and_fail_only_those_that_cannot_take_them(
    tmp_path: Path,
) -> None:
    _write_mixed(tmp_path, gaps=True)
    proc = _cli(
        tmp_path,
        "compare", "hgb", "logreg", "--data", "train.csv", "--test-data", "test.csv",
        "--target", "label", "--max-time", "0.5", "--max-fit-time", "1", "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr  # a candidate failed; the other is kept
    assert "Traceback" not in proc.stderr
    out = json.loads(proc.stdout)
    assert set(out["results"]) == {"hgb"}
    assert "column 'age' (34 rows)" in proc.stderr
    assert "logreg cannot take missing values" in proc.stderr


def test_text_columns_are_never_refused_even_as_dataframes(tmp_path: Path) -> None:
    _write_mixed(tmp_path)
    proc = _cli(
        tmp_path,
        "compare", "forest", "knn", "--data", "train.csv", "--target", "label",
        "--max-time", "0.3", "--request-format", "pandas", "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert set(json.loads(proc.stdout)["results"]) == {"forest", "knn"}


def test_any_model_that_refuses_missing_values_is_told_the_columns(capsys, tmp_path: Path) -> None:
    from prodbench.cli import main

    _write_mixed(tmp_path, gaps=True)
    numeric = pd.read_csv(tmp_path / "train.csv").drop(columns="city")
    numeric.to_csv(tmp_path / "numeric.csv", index=False)
    code = main(
        ["measure", "sklearn.svm:SVC", "--data", str(tmp_path / "numeric.csv"), "--target",
         "label", "--max-time", "0.2", "--quiet", "--no-isolate", "--format", "json"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 3
    assert re.search(r"training rows have missing values in column 'age' \(\d+ rows\)", err)
    assert list(json.loads(out)["failures"]) == ["SVC"]
