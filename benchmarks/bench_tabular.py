"""The README's headline on a mixed CSV, end to end, and what the presets' front costs.

Writes a CSV with text (``city``, 4 values; ``zip``, ~280 values), boolean and
numeric columns, fits a ``ColumnTransformer(OneHotEncoder) + LogisticRegression``
pipeline on its training half and saves it, then runs

    python -m prodbench compare model.joblib logreg --data train.csv \
        --test-data test.csv --target label

as a subprocess, printing its wall time and output. Then times the front
alone (``TabularFront.transform`` on one-row DataFrames, median of 2,000 calls)
for ``logreg`` and ``hgb``, next to the preset's whole one-row ``predict``.

Run with ``python benchmarks/bench_tabular.py [--max-time SECONDS]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def write_data(folder: Path) -> None:
    rng = np.random.default_rng(0)
    n = 600
    city = rng.choice(["paris", "lyon", "nice", "lille"], n)
    zipc = np.array([f"z{v}" for v in rng.integers(10000, 10400, n)])
    age = rng.normal(40, 10, n).round(1)
    member = rng.random(n) < 0.4
    income = rng.normal(3000, 800, n).round(0)
    logit = (age - 40) / 10 + (city == "paris") * 1.0 + member * 0.8 + (income - 3000) / 800
    label = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    frame = pd.DataFrame(
        {"city": city, "zip": zipc, "age": age, "member": member, "income": income, "label": label}
    )
    frame.iloc[:450].to_csv(folder / "train.csv", index=False)
    frame.iloc[450:].to_csv(folder / "test.csv", index=False)


def fit_model_file(folder: Path) -> None:
    import joblib
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    train = pd.read_csv(folder / "train.csv")
    front = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["city", "zip"]),
        (StandardScaler(), ["age", "income"]),
        remainder="passthrough",
    )
    model = make_pipeline(front, LogisticRegression(max_iter=1000))
    joblib.dump(model.fit(train.drop(columns="label"), train["label"]), folder / "model.joblib")


def time_front(folder: Path) -> None:
    from threadpoolctl import threadpool_limits

    from prodbench.models import make_preset

    train = pd.read_csv(folder / "train.csv")
    X, y = train.drop(columns="label"), train["label"]
    rows = [X.iloc[i : i + 1].reset_index(drop=True) for i in range(200)]
    with threadpool_limits(1):
        for name in ("logreg", "hgb"):
            model = make_preset(name, tabular=True).fit(X, y)
            front = model.named_steps["front"]
            for label, call in (("front", front.transform), ("predict", model.predict)):
                times = []
                for k in range(2000 if label == "front" else 400):
                    row = rows[k % len(rows)]
                    t0 = time.perf_counter_ns()
                    call(row)
                    times.append(time.perf_counter_ns() - t0)
                print(f"{name:7s} {label:8s} one row: median {np.median(times) / 1e3:8.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-time", type=float, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_data(folder)
        fit_model_file(folder)
        argv = [sys.executable, "-m", "prodbench", "compare", "model.joblib", "logreg",
                "--data", "train.csv", "--test-data", "test.csv", "--target", "label"]  # fmt: skip
        if args.max_time is not None:
            argv += ["--max-time", str(args.max_time)]
        t0 = time.perf_counter()
        proc = subprocess.run(argv, cwd=folder, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        print(proc.stdout)
        print(proc.stderr, file=sys.stderr)
        print(f"README example on a mixed CSV: exit {proc.returncode}, {wall:.1f} s wall\n")
        time_front(folder)


if __name__ == "__main__":
    main()
