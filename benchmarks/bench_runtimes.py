"""One-row latency of the same fitted models on scikit-learn, ONNX Runtime and treelite.

Digits, one thread in every phase (one-row latency is what the table shows). The candidates
go through ``pb.compare(..., runtimes=("sklearn", "onnx", "treelite"))``:
each is fitted once, then compiled from its fitted model (never refitted)
for each runtime that accepts it, parity checked on the test rows, and all
variants measured interleaved. Prints a Markdown table (the README's) and
whether the goals hold: RandomForest(100) at least 20x and the preset
ensemble at least 10x faster at p50 under a compiled runtime, with parity.

Run:  python benchmarks/bench_runtimes.py [--max-time 4]
"""

from __future__ import annotations

import argparse
import warnings
from typing import Any

from sklearn.datasets import load_digits
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    VotingClassifier,
)

import prodbench as pb
from prodbench.models import make_preset
from prodbench.units import format_duration

RUNTIMES = ("sklearn", "onnx", "treelite")


def candidates() -> dict[str, tuple[str, Any]]:
    """name -> (description, unfitted model)."""
    import lightgbm
    import xgboost

    return {
        "logreg": ("LogisticRegression pipeline (preset logreg)", make_preset("logreg")),
        "rf100": ("RandomForest(100)", RandomForestClassifier(n_estimators=100, random_state=0)),
        "hgb": (
            "HistGradientBoosting(100)",
            HistGradientBoostingClassifier(max_iter=100, random_state=0),
        ),
        "ensemble": ("preset ensemble (soft vote: logreg + forest)", make_preset("ensemble")),
        "vote3": (
            "soft vote: logreg + forest + hgb (member by member)",
            VotingClassifier(
                [
                    ("logreg", make_preset("logreg")),
                    ("forest", make_preset("forest")),
                    ("hgb", make_preset("hgb")),
                ],
                voting="soft",
            ),
        ),
        "xgboost": (
            "XGBClassifier(100, depth 6)",
            xgboost.XGBClassifier(n_estimators=100, max_depth=6, n_jobs=1, random_state=0),
        ),
        "lightgbm": (
            "LGBMClassifier(100)",
            lightgbm.LGBMClassifier(n_estimators=100, verbose=-1, n_jobs=1, random_state=0),
        ),
    }


def _cell(cmp: pb.Comparison, name: str) -> str:
    if name in cmp.failures:
        message = cmp.failures[name].message
        if "said" in message:
            reason = message.split("said ", 1)[1].split(":", 1)[0]
            return f"conversion fails ({reason})"
        return "conversion fails"
    if name not in cmp.results:
        return ""
    lat = cmp.results[name].latency
    flag = "†" if lat.undersampled(99) else ""
    return f"{format_duration(lat.p50)} / {format_duration(lat.p99)}{flag}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-time", type=float, default=4.0, help="latency seconds per variant")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    X, y = load_digits(return_X_y=True)
    cands = candidates()
    cmp = pb.compare(
        {name: model for name, (_, model) in cands.items()},
        X,
        y,
        runtimes=RUNTIMES,
        # One thread in every phase: on a shared machine, OpenMP fits with every
        # core oversubscribe it (HistGradientBoosting fits took > 60 s at load 12).
        threads=1,
        call_timeout=600,
        max_time=args.max_time,
        min_fits=1,
        batch_sizes=(1, 100),
        progress=None,
    )
    print(
        "| model | scikit-learn p50 / p99 | ONNX Runtime p50 / p99 | treelite GTIL p50 / p99 "
        "| best compiled speed-up (p50) | parity (agreement, max abs diff of probabilities) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    speedups: dict[str, tuple[float, bool]] = {}
    for name, (desc, _) in cands.items():
        base = cmp.results.get(name)
        best: tuple[float, str, bool] | None = None
        parities = []
        for rt in RUNTIMES[1:]:
            variant = cmp.results.get(f"{name}@{rt}")
            if base is None or variant is None or variant.runtime is None:
                continue
            par = variant.runtime.parity
            diff = "" if par.max_abs_diff is None else f", {par.max_abs_diff:.1g}"
            parities.append(f"{rt}: {100 * par.agreement:.1f}%{diff}")
            speed = base.latency.p50 / variant.latency.p50
            if par.ok and (best is None or speed > best[0]):
                best = (speed, rt, par.ok)
        speed_text = "" if best is None else f"{best[0]:.0f}x ({best[1]})"
        if best is not None:
            speedups[name] = (best[0], best[2])
        cells = [_cell(cmp, name if rt == "sklearn" else f"{name}@{rt}") for rt in RUNTIMES]
        print(f"| {desc} | " + " | ".join(cells) + f" | {speed_text} | {'; '.join(parities)} |")
    print()
    print("† p99 under-sampled (fewer than 662 samples): near the slowest call, not reliable.")
    env = next(iter(cmp.results.values())).environment
    print(
        f"Machine: {env.get('cpu_model')}, {env.get('logical_cores')} logical cores, "
        f"load average {env.get('load_average')}; one-row latency with 1 thread."
    )
    for name, goal in (("rf100", 20.0), ("ensemble", 10.0)):
        speed, ok = speedups.get(name, (0.0, False))
        verdict = "met" if speed >= goal and ok else "NOT met"
        print(f"goal {name} >= {goal:g}x at p50 with parity: {verdict} ({speed:.1f}x)")
    print()
    print("\n".join(cmp.verdict))


if __name__ == "__main__":
    main()
