"""Samples and seconds needed for a p99 interval of +-5% on RandomForestClassifier(100).

Single-row predict on breast_cancer rows, sampled by prodbench's adaptive
sampler with precision=0.05 (relative half-width of the 95% p99 interval).

Run:  python benchmarks/bench_rf_samples.py [--max-time 120]
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier

import prodbench as pb
from prodbench import stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-time", type=float, default=120.0)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    X, y = load_breast_cancer(return_X_y=True)
    model = RandomForestClassifier(n_estimators=100, random_state=0)
    r = pb.measure(
        model, X, y, max_time=args.max_time, precision=0.05, min_fits=1, threads=args.threads
    )
    lat = r.latency
    low, high = lat.interval(99)
    print("RandomForestClassifier(n_estimators=100), one-row predict, breast_cancer")
    print(f"  stop reason        {lat.stop_reason}")
    print(f"  samples            {lat.n:,}")
    print(f"  sampling time      {lat.elapsed_s:.1f} s (warm-up {lat.warmup} calls included)")
    print(f"  p50                {lat.p50 * 1e3:.3f} ms")
    print(f"  p99                {lat.p99 * 1e3:.3f} ms (95% CI {low * 1e3:.3f}-{high * 1e3:.3f})")
    for q in (50, 90, 99):
        print(f"  p{q} half-width     {lat.relative_halfwidth(q) * 100:.2f}%")
    # Replay the samples in the order they were taken: the first n at which the
    # p99 interval alone is within +-5%, and the time those calls took.
    samples = lat.samples_ns
    for n in range(662, lat.n + 1, 25):
        if stats.relative_halfwidth(np.sort(samples[:n]), 99) <= 0.05:
            spent = samples[:n].sum() / 1e9
            print(f"  p99 within +-5% first at n={n:,}, after {spent:.1f} s of calls")
            break
    else:
        print("  p99 never within +-5% in this run")


if __name__ == "__main__":
    main()
